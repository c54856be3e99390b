namespace RealtimeClient.IntegrationTests.Reconnect;

/// <summary>Records every value of an observable and lets a test await the next one that matches.</summary>
internal sealed class Observed<T> : IObserver<T>, IDisposable
{
    private readonly object _gate = new();
    private readonly List<T> _values = [];
    private readonly List<(Func<T, bool> Predicate, TaskCompletionSource<T> Completion)> _waiters = [];
    private readonly IDisposable _subscription;

    public Observed(IObservable<T> source) => _subscription = source.Subscribe(this);

    public IReadOnlyList<T> Values
    {
        get
        {
            lock (_gate)
            {
                return [.. _values];
            }
        }
    }

    /// <summary>The next value from now on that matches; fails after <paramref name="timeout"/>.</summary>
    public Task<T> NextAsync(Func<T, bool> predicate, TimeSpan timeout)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((predicate, tcs));
        }

        return tcs.Task.WaitAsync(timeout);
    }

    public void OnNext(T value)
    {
        lock (_gate)
        {
            _values.Add(value);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Predicate(value))
                {
                    _waiters[i].Completion.TrySetResult(value);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }

    public void Dispose() => _subscription.Dispose();
}
