namespace RealtimeClient.FaultTests.Support;

/// <summary>A counter whose value can be awaited: <see cref="WaitForAsync"/> completes once it reaches a value. Thread-safe.</summary>
public sealed class AsyncCounter
{
    private readonly Lock _lock = new();
    private readonly List<(int Target, TaskCompletionSource Reached)> _waiters = [];
    private int _value;

    /// <summary>The current value.</summary>
    public int Value
    {
        get
        {
            lock (_lock)
            {
                return _value;
            }
        }
    }

    /// <summary>Adds one and releases the waiters whose target is reached.</summary>
    public int Increment()
    {
        List<TaskCompletionSource>? reached = null;
        int value;
        lock (_lock)
        {
            value = ++_value;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target <= value)
                {
                    (reached ??= []).Add(_waiters[i].Reached);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (reached is not null)
        {
            foreach (var tcs in reached)
            {
                tcs.TrySetResult();
            }
        }

        return value;
    }

    /// <summary>Completes when the value is at least <paramref name="target"/>.</summary>
    public Task WaitForAsync(int target, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_value >= target)
            {
                return Task.CompletedTask;
            }

            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, tcs));
            return tcs.Task.WaitAsync(cancellationToken);
        }
    }
}
