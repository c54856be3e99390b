using RealtimeClient.Outbox;

namespace RealtimeClient.Tests.Outbox;

/// <summary>
/// An in-memory <see cref="IOutboxStore"/> that records every call: what is pending (in append order), every append and
/// completion in order, and how many opens. A test can hold appends (<see cref="HoldAppends"/>) to look at a send before
/// it is accepted. Outlives connections, as a file would: a second connection on the same instance finds what the first
/// left pending (it is "reopened": <see cref="OpenAsync"/> may be called again after <see cref="DisposeAsync"/>).
/// Like the SQLite store, a cancelled append only stops the wait: the held append is still stored when released.
/// </summary>
internal sealed class MemoryOutboxStore : IOutboxStore
{
    private readonly Lock _gate = new();
    private readonly List<OutboxEntry> _pending = [];
    private readonly List<OutboxEntry> _appended = [];
    private readonly List<(string Id, OutboxOutcome Outcome)> _completed = [];
    private readonly List<TaskCompletionSource> _completionWaiters = [];
    private TaskCompletionSource? _appendGate;
    private TaskCompletionSource? _openGate;
    private TaskCompletionSource _appendArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _open;

    public MemoryOutboxStore(params OutboxEntry[] pending) => _pending.AddRange(pending);

    /// <summary>What is still pending, in append order.</summary>
    public IReadOnlyList<OutboxEntry> Pending
    {
        get
        {
            lock (_gate)
            {
                return [.. _pending];
            }
        }
    }

    /// <summary>Every append that completed, in order.</summary>
    public IReadOnlyList<OutboxEntry> Appended
    {
        get
        {
            lock (_gate)
            {
                return [.. _appended];
            }
        }
    }

    /// <summary>Every completion recorded, in order.</summary>
    public IReadOnlyList<(string Id, OutboxOutcome Outcome)> Completed
    {
        get
        {
            lock (_gate)
            {
                return [.. _completed];
            }
        }
    }

    public int Opens { get; private set; }

    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _open;
            }
        }
    }

    /// <summary>From now on, appends wait (unstored) until <see cref="ReleaseAppends"/>.</summary>
    public void HoldAppends()
    {
        lock (_gate)
        {
            _appendGate ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseAppends()
    {
        TaskCompletionSource? gate;
        lock (_gate)
        {
            gate = _appendGate;
            _appendGate = null;
        }

        gate?.TrySetResult();
    }

    /// <summary>From now on, opens wait until <see cref="ReleaseOpen"/> (a cancelled open gives up).</summary>
    public void HoldOpen()
    {
        lock (_gate)
        {
            _openGate ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseOpen()
    {
        TaskCompletionSource? gate;
        lock (_gate)
        {
            gate = _openGate;
            _openGate = null;
        }

        gate?.TrySetResult();
    }

    /// <summary>Completes when an append has arrived (held or not) since the last call.</summary>
    public Task AppendArrived()
    {
        lock (_gate)
        {
            return _appendArrived.Task;
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> completions were recorded.</summary>
    public async Task WaitForCompletionsAsync(int count)
    {
        while (true)
        {
            Task next;
            lock (_gate)
            {
                if (_completed.Count >= count)
                {
                    return;
                }

                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _completionWaiters.Add(waiter);
                next = waiter.Task;
            }

            await next.Safe();
        }
    }

    public async ValueTask<IReadOnlyList<OutboxEntry>> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Task? gate;
        lock (_gate)
        {
            gate = _openGate?.Task;
        }

        if (gate is not null)
        {
            await gate.WaitAsync(cancellationToken);
        }

        lock (_gate)
        {
            Assert.False(_open, "OpenAsync is called once per open.");
            _open = true;
            Opens++;
            return [.. _pending];
        }
    }

    public ValueTask AppendAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        Task? gate;
        lock (_gate)
        {
            Assert.True(_open, "AppendAsync before OpenAsync.");
            gate = _appendGate?.Task;
            _appendArrived.TrySetResult();
            _appendArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        if (gate is null)
        {
            Store(entry);
            return ValueTask.CompletedTask;
        }

        // The write goes on when released; the token only stops the caller's wait (as with the SQLite store).
        var write = gate.ContinueWith(_ => Store(entry), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new ValueTask(write.WaitAsync(cancellationToken));
    }

    private void Store(OutboxEntry entry)
    {
        lock (_gate)
        {
            if (_pending.Find(e => e.Id == entry.Id) is { } existing)
            {
                Assert.True(existing.Payload.Span.SequenceEqual(entry.Payload.Span), $"A different message under the pending id {entry.Id}.");
                return;
            }

            _pending.Add(entry);
            _appended.Add(entry);
        }
    }

    public ValueTask CompleteAsync(string id, OutboxOutcome outcome, CancellationToken cancellationToken)
    {
        List<TaskCompletionSource> waiters;
        lock (_gate)
        {
            _pending.RemoveAll(e => e.Id == id);
            _completed.Add((id, outcome));
            waiters = [.. _completionWaiters];
            _completionWaiters.Clear();
        }

        foreach (var waiter in waiters)
        {
            waiter.TrySetResult();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _open = false;
        }

        return ValueTask.CompletedTask;
    }
}
