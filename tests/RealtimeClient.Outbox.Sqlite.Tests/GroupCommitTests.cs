namespace RealtimeClient.Outbox.Sqlite.Tests;

public sealed class GroupCommitTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly CommitGate _gate = new();

    public void Dispose()
    {
        _gate.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Appends_that_arrive_during_a_commit_share_the_next_transaction_and_complete_only_after_it()
    {
        await using (var store = _folder.NewStore())
        {
            store.Hooks.BeforeCommit = _gate.Hold;
            await store.OpenAsync(CancellationToken.None);

            var first = store.AppendAsync(Entries.Text("m000"), CancellationToken.None).AsTask();
            await _gate.Entered;
            var rest = Enumerable.Range(1, 63)
                .Select(i => store.AppendAsync(Entries.Text($"m{i:D3}"), CancellationToken.None).AsTask())
                .ToArray();

            Assert.False(first.IsCompleted); // held before its COMMIT: not durable, not reported
            Assert.DoesNotContain(rest, t => t.IsCompleted);

            _gate.Release();
            await Task.WhenAll(rest.Prepend(first)).WaitAsync(Entries.Bound);

            Assert.Equal(2, store.CommitCount); // 64 appends, 2 transactions
        }

        Assert.Equal(
            Enumerable.Range(0, 64).Select(i => $"m{i:D3}").ToArray(),
            Entries.Ids(await Entries.ReopenAsync(_folder)));
    }

    [Fact]
    public async Task Completions_share_the_transaction_of_the_appends_queued_with_them_in_queue_order()
    {
        await using (var store = _folder.NewStore())
        {
            store.Hooks.BeforeCommit = _gate.Hold;
            await store.OpenAsync(CancellationToken.None);
            _gate.Release();
            for (var i = 0; i < 10; i++)
            {
                await store.AppendAsync(Entries.Text($"old-{i}"), CancellationToken.None);
            }

            var before = store.CommitCount;
            _gate.Rearm();
            var held = store.AppendAsync(Entries.Text("new-0"), CancellationToken.None).AsTask();
            await _gate.Entered;
            var writes = new List<Task>();
            for (var i = 0; i < 10; i += 2)
            {
                writes.Add(store.CompleteAsync($"old-{i}", OutboxOutcome.Acknowledged, CancellationToken.None).AsTask());
            }

            writes.Add(store.AppendAsync(Entries.Text("new-1"), CancellationToken.None).AsTask());
            writes.Add(store.AppendAsync(Entries.Text("short-lived"), CancellationToken.None).AsTask());
            writes.Add(store.CompleteAsync("short-lived", OutboxOutcome.Failed, CancellationToken.None).AsTask());
            _gate.Release();
            await Task.WhenAll(writes.Append(held)).WaitAsync(Entries.Bound);

            Assert.Equal(before + 2, store.CommitCount);
        }

        Assert.Equal(
            ["old-1", "old-3", "old-5", "old-7", "old-9", "new-0", "new-1"],
            Entries.Ids(await Entries.ReopenAsync(_folder)));
    }

    [Fact]
    public async Task Many_concurrent_writers_each_find_all_their_messages_in_their_order()
    {
        const int Writers = 16, PerWriter = 50;
        await using (var store = _folder.NewStore())
        {
            await store.OpenAsync(CancellationToken.None);
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (var n = 0; n < PerWriter; n++)
                {
                    await store.AppendAsync(Entries.Text($"w{w:D2}-{n:D3}"), CancellationToken.None);
                }
            }));
            await Task.WhenAll(writers).WaitAsync(Entries.Bound);
            Assert.InRange(store.CommitCount, 1, Writers * PerWriter);
        }

        var loaded = Entries.Ids(await Entries.ReopenAsync(_folder));
        Assert.Equal(Writers * PerWriter, loaded.Distinct().Count());
        for (var w = 0; w < Writers; w++)
        {
            var mine = loaded.Where(id => id.StartsWith($"w{w:D2}-", StringComparison.Ordinal)).ToArray();
            Assert.Equal(Enumerable.Range(0, PerWriter).Select(n => $"w{w:D2}-{n:D3}").ToArray(), mine);
        }
    }
}
