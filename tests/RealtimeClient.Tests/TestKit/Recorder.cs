namespace RealtimeClient.Tests.TestKit;

// Shared with RealtimeClient.IntegrationTests (linked in its project file).
/// <summary>
/// Records every value of an observable. A test awaits the first value (seen or still to come) that matches, the next one
/// after the values seen so far, or reads them one after the other with <see cref="SkipToAsync"/>. Every wait fails after
/// <see cref="Wait.Timeout"/>, a guard against hangs only: tests await signals, never time.
/// </summary>
internal sealed class Recorder<T> : IObserver<T>, IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<T> _values = [];
    private readonly List<(Func<T, bool> Predicate, TaskCompletionSource<T> Completion)> _waiters = [];
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IDisposable _subscription;
    private int _cursor;

    public Recorder(IObservable<T> source) => _subscription = source.Subscribe(this);

    public bool Completed => _completed.Task.IsCompleted;

    /// <summary>Completes when the source completes.</summary>
    public Task Completion => _completed.Task;

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

            return AddWaiter(predicate);
        }
    }

    /// <summary>The first value after the ones seen so far that matches.</summary>
    public Task<T> NextAsync(Func<T, bool> predicate)
    {
        lock (_gate)
        {
            return AddWaiter(predicate);
        }
    }

    /// <summary>Reads values in order from where the last read stopped, skipping those that do not match; returns the first that does.</summary>
    public async Task<T> SkipToAsync(Func<T, bool> predicate)
    {
        while (true)
        {
            Task<T> next;
            lock (_gate)
            {
                while (_cursor < _values.Count)
                {
                    var value = _values[_cursor++];
                    if (predicate(value))
                    {
                        return value;
                    }
                }

                next = AddWaiter(_ => true);
            }

            await next.ConfigureAwait(false);
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

    public void OnCompleted() => _completed.TrySetResult();

    public void Dispose() => _subscription.Dispose();

    private Task<T> AddWaiter(Func<T, bool> predicate)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Add((predicate, tcs));
        return tcs.Task.WaitAsync(Wait.Timeout);
    }
}
