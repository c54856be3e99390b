namespace RealtimeClient.Tests.Engine;

// Shared with RealtimeClient.IntegrationTests (linked in its project file).
/// <summary>Records every value of an observable and lets a test await the first that matches.</summary>
internal sealed class Recorder<T> : IObserver<T>, IDisposable
{
    private readonly object _gate = new();
    private readonly List<T> _values = [];
    private readonly List<(Func<T, bool> Predicate, TaskCompletionSource<T> Completion)> _waiters = [];
    private readonly IDisposable _subscription;

    public Recorder(IObservable<T> source) => _subscription = source.Subscribe(this);

    public bool Completed { get; private set; }

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

    /// <summary>The first value (already seen or still to come) that matches.</summary>
    public Task<T> FirstAsync(Func<T, bool> predicate)
    {
        lock (_gate)
        {
            foreach (var value in _values)
            {
                if (predicate(value))
                {
                    return Task.FromResult(value);
                }
            }

            var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((predicate, tcs));
            return tcs.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>The first value after the ones seen so far that matches (failing after 10 s, against hangs only).</summary>
    public Task<T> NextAsync(Func<T, bool> predicate) => NextAsync(predicate, TimeSpan.FromSeconds(10));

    /// <summary>The first value after the ones seen so far that matches, failing after <paramref name="timeout"/>.</summary>
    public Task<T> NextAsync(Func<T, bool> predicate, TimeSpan timeout)
    {
        lock (_gate)
        {
            var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((predicate, tcs));
            return tcs.Task.WaitAsync(timeout);
        }
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

    public void OnError(Exception error) => throw new InvalidOperationException("OnError must never be called", error);

    public void OnCompleted() => Completed = true;

    public void Dispose() => _subscription.Dispose();
}
