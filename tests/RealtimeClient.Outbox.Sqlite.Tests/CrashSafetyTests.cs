using System.Globalization;

namespace RealtimeClient.Outbox.Sqlite.Tests;

/// <summary>
/// A child process (tests/OutboxCrashChild) appends in a loop and prints each id after its append returned; the test
/// kills it with SIGKILL and reopens the store: every printed id must be pending, in its writer's order, exactly once.
/// At most one more per writer may be there (committed, killed before it printed).
/// </summary>
public sealed class CrashSafetyTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, int, int> FreeRunningKills => new()
    {
        // synchronous level, concurrent writers, kill once this many ids were printed
        { "full", 1, 0 }, // right after the open: before the first append returns
        { "full", 1, 1 },
        { "full", 1, 150 },
        { "full", 16, 400 }, // group commits in flight: most likely inside one
        { "full", 64, 1000 },
        { "normal", 16, 400 },
    };

    [Theory]
    [MemberData(nameof(FreeRunningKills))]
    public async Task Killed_while_appending_every_acknowledged_append_is_pending_in_order_once(string synchronous, int writers, int killAfter)
    {
        await using var child = ChildProcess.Start("append", _folder.StoreFile, synchronous, Text(writers));
        Assert.Equal("opened", await child.ReadLineAsync());
        var printed = new List<string>();
        while (printed.Count < killAfter)
        {
            printed.Add(await child.ReadLineAsync());
        }

        printed.AddRange(await child.KillAsync());

        AssertRecovered(printed, await Entries.ReopenAsync(_folder), writers);
    }

    [Theory]
    [InlineData(1, 1)] // the very first append, held before its COMMIT
    [InlineData(16, 6)]
    public async Task Killed_just_before_a_commit_the_uncommitted_transaction_is_gone_and_everything_before_it_is_there(int writers, int commit)
    {
        var (held, printed, pending) = await KillAtAsync("before-commit", writers, commit);

        AssertRecovered(printed, pending, writers);
        Assert.NotEmpty(held);
        Assert.Empty(Entries.Ids(pending).Intersect(held));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(16, 6)]
    public async Task Killed_just_after_a_commit_the_transaction_is_there_although_nobody_was_told(int writers, int commit)
    {
        var (held, printed, pending) = await KillAtAsync("after-commit", writers, commit);

        AssertRecovered(printed, pending, writers);
        Assert.NotEmpty(held);
        Assert.Subset(Entries.Ids(pending).ToHashSet(), held.ToHashSet());
        Assert.Empty(printed.Intersect(held)); // nobody was told: the writers' tasks complete after this point
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void AssertRecovered(List<string> printed, IReadOnlyList<OutboxEntry> pending, int writers)
    {
        var pendingIds = Entries.Ids(pending);
        Assert.Equal(pendingIds.Length, pendingIds.Distinct().Count());
        Assert.Subset(pendingIds.ToHashSet(), printed.ToHashSet());
        for (var w = 0; w < writers; w++)
        {
            var prefix = $"w{w}-";
            var mine = pendingIds.Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
            Assert.Equal(Enumerable.Range(0, mine.Length).Select(n => $"{prefix}{n:D6}").ToArray(), mine);
            var printedMine = printed.Count(id => id.StartsWith(prefix, StringComparison.Ordinal));
            Assert.InRange(mine.Length, printedMine, printedMine + 1);
        }
    }

    /// <summary>Kills the child while its writer loop is held at <paramref name="point"/> of its <paramref name="commit"/>-th transaction.</summary>
    /// <returns>The ids in the held transaction, the ids printed, and what a reopen finds.</returns>
    private async Task<(string[] Held, List<string> Printed, IReadOnlyList<OutboxEntry> Pending)> KillAtAsync(string point, int writers, int commit)
    {
        await using var child = ChildProcess.Start("append", _folder.StoreFile, "full", Text(writers), point, Text(commit));
        Assert.Equal("opened", await child.ReadLineAsync());
        var (marker, printed) = await child.ReadUntilAsync(point + " ");
        printed.AddRange(await child.KillAsync());
        var held = marker[(point.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (held, printed, await Entries.ReopenAsync(_folder));
    }
}
