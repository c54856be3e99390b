namespace RealtimeClient.Outbox.Sqlite.Tests;

public sealed class DisposeTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly CommitGate _gate = new();

    public void Dispose()
    {
        _gate.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Dispose_fails_queued_appends_with_Closed_at_once_and_lets_the_commit_in_progress_finish()
    {
        var store = _folder.NewStore();
        store.Hooks.BeforeCommit = _gate.Hold;
        await store.OpenAsync(CancellationToken.None);
        var inProgress = store.AppendAsync(Entries.Text("in-progress"), CancellationToken.None).AsTask();
        await _gate.Entered;
        var queued = Enumerable.Range(0, 10)
            .Select(i => store.AppendAsync(Entries.Text($"queued-{i}"), CancellationToken.None).AsTask())
            .Append(store.CompleteAsync("in-progress", OutboxOutcome.Acknowledged, CancellationToken.None).AsTask())
            .ToArray();

        var disposing = store.DisposeAsync().AsTask();

        foreach (var write in queued)
        {
            var closed = await Assert.ThrowsAsync<OutboxStoreException>(() => write.WaitAsync(Entries.Bound));
            Assert.Equal(OutboxFailure.Closed, closed.Reason);
        }

        Assert.False(inProgress.IsCompleted);
        Assert.False(disposing.IsCompleted);
        _gate.Release();
        await inProgress.WaitAsync(Entries.Bound);
        await disposing.WaitAsync(Entries.Bound);

        Assert.Equal(["in-progress"], Entries.Ids(await Entries.ReopenAsync(_folder)));
    }

    [Fact]
    public async Task Every_append_racing_a_dispose_either_is_stored_or_fails_with_Closed()
    {
        var store = _folder.NewStore();
        await store.OpenAsync(CancellationToken.None);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<string, OutboxFailure?>();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var n = 0; n < 2_000; n++)
            {
                var id = $"w{w}-{n:D4}";
                try
                {
                    await store.AppendAsync(Entries.Text(id), CancellationToken.None);
                    outcomes[id] = null;
                    started.TrySetResult();
                }
                catch (OutboxStoreException failure)
                {
                    outcomes[id] = failure.Reason;
                    return;
                }
            }
        })).ToArray();

        await started.Task.WaitAsync(Entries.Bound);
        await store.DisposeAsync().AsTask().WaitAsync(Entries.Bound);
        await Task.WhenAll(writers).WaitAsync(Entries.Bound);

        Assert.All(outcomes.Values, reason => Assert.True(reason is null or OutboxFailure.Closed, $"failed with {reason}"));
        var stored = outcomes.Where(o => o.Value is null).Select(o => o.Key).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(stored, Entries.Ids(await Entries.ReopenAsync(_folder)).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task A_dispose_during_the_open_waits_for_it_and_leaves_the_file_free()
    {
        var store = _folder.NewStore();

        var opening = store.OpenAsync(CancellationToken.None).AsTask();
        await store.DisposeAsync().AsTask().WaitAsync(Entries.Bound);

        // Either the open won the race (and the dispose closed it) or it saw the dispose: never a file left held.
        var outcome = await Record.ExceptionAsync(() => opening);
        Assert.True(outcome is null or OutboxStoreException { Reason: OutboxFailure.Closed }, $"the open failed with {outcome}");
        await using var next = _folder.NewStore();
        Assert.Empty(await next.OpenAsync(CancellationToken.None));
    }
}
