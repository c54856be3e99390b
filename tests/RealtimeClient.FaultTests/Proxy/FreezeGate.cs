namespace RealtimeClient.FaultTests.Proxy;

/// <summary>
/// Holds the forwarding of one link while frozen. Thawing releases every waiter at once. Thread-safe.
/// </summary>
internal sealed class FreezeGate
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _thawed;

    public bool IsFrozen
    {
        get
        {
            lock (_lock)
            {
                return _thawed is not null;
            }
        }
    }

    public void Freeze()
    {
        lock (_lock)
        {
            _thawed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Thaw()
    {
        TaskCompletionSource? thawed;
        lock (_lock)
        {
            thawed = _thawed;
            _thawed = null;
        }

        thawed?.TrySetResult();
    }

    /// <summary>Completes at once when not frozen, else when thawed (or when <paramref name="cancellationToken"/> fires).</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource? thawed;
        lock (_lock)
        {
            thawed = _thawed;
        }

        return thawed is null ? Task.CompletedTask : thawed.Task.WaitAsync(cancellationToken);
    }
}
