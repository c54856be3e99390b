using Microsoft.Data.Sqlite;

namespace RealtimeClient.Outbox.Sqlite.Tests;

/// <summary>
/// A full disk, simulated with <see cref="SqliteOutboxOptions.MaxSizeBytes"/> (SQLite's <c>PRAGMA max_page_count</c>):
/// SQLite then fails the write with the very error a full disk gives (SQLITE_FULL), from inside SQLite, at the moment
/// it needs a page it may not have.
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private const long Limit = 64 * 1024;
    private readonly TempFolder _folder = new();
    private readonly CommitGate _gate = new();

    public void Dispose()
    {
        _gate.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task An_append_that_does_not_fit_fails_with_DiskFull_and_completions_then_make_room_again()
    {
        List<string> stored;
        await using (var store = NewLimitedStore())
        {
            await store.OpenAsync(CancellationToken.None);
            (stored, var full) = await FillAsync(store);

            Assert.Equal(OutboxFailure.DiskFull, full.Reason);
            Assert.Equal(13, Assert.IsType<SqliteException>(full.InnerException).SqliteErrorCode); // SQLITE_FULL
            Assert.Contains("full", full.Message, StringComparison.Ordinal);
            Assert.True(stored.Count >= 10, $"only {stored.Count} entries fitted");

            var completed = stored.Take(stored.Count / 2).ToList();
            foreach (var id in completed)
            {
                await store.CompleteAsync(id, OutboxOutcome.Acknowledged, CancellationToken.None);
            }

            stored.RemoveAll(completed.Contains);
            await store.AppendAsync(Entries.Binary("after-room-was-freed", 1024, 7), CancellationToken.None);
            stored.Add("after-room-was-freed");
        }

        Assert.InRange(new FileInfo(_folder.StoreFile).Length, 1, Limit);
        Assert.Equal(stored, Entries.Ids(await Entries.ReopenAsync(_folder)));
    }

    [Fact]
    public async Task Completions_in_the_same_transaction_as_an_append_that_does_not_fit_are_still_recorded()
    {
        List<string> stored;
        await using (var store = NewLimitedStore())
        {
            store.Hooks.BeforeCommit = _gate.Hold;
            await store.OpenAsync(CancellationToken.None);
            _gate.Release();
            (stored, _) = await FillAsync(store);

            _gate.Rearm();
            var held = store.CompleteAsync(stored[0], OutboxOutcome.Acknowledged, CancellationToken.None).AsTask();
            await _gate.Entered;
            var completions = stored.Skip(1).Take(4)
                .Select(id => store.CompleteAsync(id, OutboxOutcome.Acknowledged, CancellationToken.None).AsTask())
                .ToArray();
            var tooBig = store.AppendAsync(Entries.Binary("too-big", 48 * 1024, 1), CancellationToken.None).AsTask();
            _gate.Release();

            var full = await Assert.ThrowsAsync<OutboxStoreException>(() => tooBig.WaitAsync(Entries.Bound));
            Assert.Equal(OutboxFailure.DiskFull, full.Reason);
            await Task.WhenAll(completions.Append(held)).WaitAsync(Entries.Bound);
            stored.RemoveRange(0, 5);
        }

        Assert.Equal(stored, Entries.Ids(await Entries.ReopenAsync(_folder)));
    }

    private static async Task<(List<string> Stored, OutboxStoreException Full)> FillAsync(SqliteOutboxStore store)
    {
        var stored = new List<string>();
        for (var i = 0; i < 1000; i++)
        {
            var id = $"m{i:D4}";
            try
            {
                await store.AppendAsync(Entries.Binary(id, 1024, (byte)i), CancellationToken.None);
                stored.Add(id);
            }
            catch (OutboxStoreException full)
            {
                return (stored, full);
            }
        }

        throw new Xunit.Sdk.XunitException($"1,000 appends of 1 KiB fitted in {Limit} bytes");
    }

    private SqliteOutboxStore NewLimitedStore() =>
        _folder.NewStore(new SqliteOutboxOptions { FilePath = _folder.StoreFile, MaxSizeBytes = Limit });
}
