using System.Globalization;
using RealtimeClient.IntegrationTests.Sample;
using RealtimeClient.Outbox;
using RealtimeClient.Outbox.Sqlite;

namespace RealtimeClient.IntegrationTests.Outbox;

/// <summary>
/// Issue 14, "done when": a child process (tests/OutboxSendChild) sends durable messages with the library while its server
/// is down, printing each one once EnqueueAsync returned ("accepted"); it is killed with SIGKILL at a chosen point; then
/// the server (<see cref="RecordingAckServer"/>: acks, de-duplicates by id, records) is started, and a new child process
/// opens the same store. Every accepted message must reach the server exactly once, in its sender's order, under the one
/// id it was accepted with; nothing that was never committed may arrive; the second process reports every message it
/// recovered as delivered, and the store is empty afterwards. Real sockets, real processes; every wait is on a line of
/// output or on the server's record, bounded.
/// </summary>
public sealed class DurableOutboxCrashTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "outbox-crash-" + Guid.NewGuid().ToString("N"));

    public DurableOutboxCrashTests() => Directory.CreateDirectory(_folder);

    private string Store => Path.Combine(_folder, "outbox.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(1, 0)] // right after its start: killed before its first append returned
    [InlineData(1, 1)] // right after the first append returned
    [InlineData(1, 60)]
    [InlineData(8, 300)] // eight senders: group commits (and their disk flushes) under way when it dies
    public async Task Killed_while_accepting_offline_every_accepted_message_reaches_the_server_once_in_order(int writers, int killAfter)
    {
        var port = FreePort.Unused();
        List<(string Text, string Id)> accepted;
        await using (var first = SendChild.Start(port, Store, "--count", "100000", "--writers", Text(writers)))
        {
            await first.Output.WaitForLineAsync("started");
            await first.WaitForAcceptedAsync(killAfter);
            await first.KillAsync();
            accepted = first.Accepted;
        }

        var pending = await PendingAsync();
        AssertHeldInOrder(accepted, pending, writers, extraPerWriter: 1); // one more per writer: committed, killed before it printed

        await DeliverWithSecondProcessAsync(port, pending, alreadyRecorded: []);
    }

    [Theory]
    [InlineData(1, 1)] // the very first append, held just before its COMMIT
    [InlineData(1, 5)]
    [InlineData(8, 4)] // a group commit of several senders' appends
    public async Task Killed_just_before_a_commit_no_message_of_that_transaction_is_ever_sent_and_every_accepted_one_is(int writers, int transaction)
    {
        var port = FreePort.Unused();
        var (accepted, held) = await KillAtCommitAsync(port, "before-commit", writers, transaction);

        var pending = await PendingAsync();
        Assert.Empty(pending.Select(e => e.Id).Intersect(held)); // rolled back with the process
        AssertHeldInOrder(accepted, pending, writers, extraPerWriter: 1); // an earlier transaction's, committed, not printed yet

        var record = await DeliverWithSecondProcessAsync(port, pending, alreadyRecorded: []);
        Assert.Empty(record.Select(r => r.Id).Intersect(held));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(8, 4)]
    public async Task Killed_just_after_a_commit_the_messages_of_that_transaction_are_sent_although_none_was_reported_accepted(int writers, int transaction)
    {
        var port = FreePort.Unused();
        var (accepted, held) = await KillAtCommitAsync(port, "after-commit", writers, transaction);

        var pending = await PendingAsync();
        Assert.Empty(accepted.Select(a => a.Id).Intersect(held)); // nobody was told
        Assert.Subset(pending.Select(e => e.Id).ToHashSet(), held.ToHashSet());
        AssertHeldInOrder(accepted, pending, writers, extraPerWriter: 1);

        var record = await DeliverWithSecondProcessAsync(port, pending, alreadyRecorded: []);
        Assert.Subset(record.Select(r => r.Id).ToHashSet(), held.ToHashSet());
    }

    [Fact]
    public async Task Killed_while_sending_after_the_server_came_back_the_second_process_sends_the_rest_and_the_server_gets_each_once_in_order()
    {
        const int Count = 800;
        var port = FreePort.Unused();

        // One acknowledgement at a time, so the kill lands while the messages are going out.
        await using var first = SendChild.Start(port, Store, "--count", Text(Count), "--max-in-flight", "1");
        await first.Output.WaitForLineAsync("all-accepted");
        var accepted = first.Accepted;
        Assert.Equal(Count, accepted.Count);

        await using var server = await RecordingAckServer.StartAsync(port);
        await server.WaitForAsync(record => record.Count >= 20);
        await first.KillAsync();
        var beforeKill = server.Record;

        var pending = await PendingAsync();
        Assert.True(pending.Count > 0, "the first process had sent everything before it was killed: the kill did not land while sending");
        Assert.True(pending.Count < Count, "nothing was acknowledged before the kill");
        // What is held is in the order it was accepted, and holds everything the server had not seen.
        var order = accepted.Select(a => a.Id).ToList();
        var pendingIds = pending.Select(e => e.Id).ToList();
        Assert.Equal(pendingIds.OrderBy(order.IndexOf), pendingIds);
        Assert.Subset(pendingIds.ToHashSet(), order.Except(beforeKill.Select(r => r.Id)).ToHashSet());

        var record = await DeliverWithSecondProcessAsync(port, pending, beforeKill, server);
        Assert.Equal(accepted, record.Select(r => (r.Text, r.Id)));
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// What is pending must be every accepted message, in each sender's order, and at most <paramref name="extraPerWriter"/>
    /// more per sender: the next ones in its order (committed, but the process died before it could say so). A sender
    /// appends its next message only after the last one was reported, so there is at most one such message per sender.
    /// </summary>
    private static void AssertHeldInOrder(List<(string Text, string Id)> accepted, IReadOnlyList<OutboxEntry> pending, int writers, int extraPerWriter)
    {
        var texts = pending.Select(TextOf).ToList();
        Assert.Equal(texts.Count, texts.Distinct().Count());
        Assert.Equal(pending.Count, pending.Select(e => e.Id).Distinct().Count());
        Assert.Subset(pending.Select(e => (TextOf(e), e.Id)).ToHashSet(), accepted.ToHashSet());
        for (var w = 0; w < writers; w++)
        {
            var prefix = $"w{w}-";
            var mine = texts.Where(t => t.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(0, mine.Count).Select(n => $"{prefix}{n:D5}"), mine);
            var printed = accepted.Count(a => a.Text.StartsWith(prefix, StringComparison.Ordinal));
            Assert.InRange(mine.Count, printed, printed + extraPerWriter);
        }
    }

    /// <summary>
    /// Starts the server (unless given) and a second process on the same store; waits until the server recorded every
    /// pending message and the process reported each as delivered; checks the record, stops the process, and checks that
    /// the store is empty. Returns the server's record.
    /// </summary>
    private async Task<IReadOnlyList<(string Id, string Text)>> DeliverWithSecondProcessAsync(
        int port, IReadOnlyList<OutboxEntry> pending, IReadOnlyList<(string Id, string Text)> alreadyRecorded, RecordingAckServer? running = null)
    {
        await using var started = running is null ? await RecordingAckServer.StartAsync(port) : null;
        var server = running ?? started!;
        await using var second = SendChild.Start(port, Store);
        var pendingIds = pending.Select(e => e.Id).ToHashSet();
        await server.WaitForAsync(record => pendingIds.IsSubsetOf(record.Select(r => r.Id)));
        foreach (var entry in pending)
        {
            await second.Output.WaitForLineAsync($"recovered delivered {TextOf(entry)} {entry.Id}");
        }

        var record = server.Record;
        Assert.Equal(alreadyRecorded, record.Take(alreadyRecorded.Count));

        // Exactly once (the server de-duplicates by id; a message under two ids would show twice), in the order held.
        Assert.Equal(record.Count, record.Select(r => r.Text).Distinct().Count());
        var sentNow = record.Skip(alreadyRecorded.Count).ToList();
        Assert.Equal(pending.Where(e => !alreadyRecorded.Any(r => r.Id == e.Id)).Select(e => (e.Id, TextOf(e))), sentNow);
        Assert.DoesNotContain(second.Output.Lines, l => l.StartsWith("recovered failed", StringComparison.Ordinal) || l.StartsWith("error", StringComparison.Ordinal));

        var exitCode = await second.StopAsync();
        Assert.True(exitCode == 0 && second.Errors.Lines.Count == 0, $"the second process exited with {exitCode}{Environment.NewLine}{second}");
        Assert.Empty(await PendingAsync());
        return record;
    }

    private async Task<(List<(string Text, string Id)> Accepted, string[] Held)> KillAtCommitAsync(int port, string point, int writers, int transaction)
    {
        await using var first = SendChild.Start(port, Store, "--count", "100000", "--writers", Text(writers), "--block", point, "--at", Text(transaction));
        var index = await first.Output.WaitForLineAsync(l => l.StartsWith(point + " ", StringComparison.Ordinal));
        var marker = first.Output.Lines[index];
        await first.KillAsync();
        return (first.Accepted, marker[(point.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>What the store holds now (opened and closed again, as the next process would).</summary>
    private async Task<IReadOnlyList<OutboxEntry>> PendingAsync()
    {
        await using var store = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = Store });
        return await store.OpenAsync(CancellationToken.None);
    }

    private static string TextOf(OutboxEntry entry) =>
        System.Text.Json.JsonDocument.Parse(entry.Payload).RootElement.GetProperty("data").GetProperty("text").GetString()!;
}
