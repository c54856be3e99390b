using Microsoft.Extensions.Logging;

namespace RealtimeClient.Internal;

/// <summary>
/// A hot observable for connection-level events (state changes, errors). Publication is serialised, each observer is
/// called inside its own try/catch so one that throws is reported and stays subscribed, and OnError is never called.
/// Optionally replays the latest value to a new subscriber.
/// </summary>
internal sealed class ObserverList<T> : IObservable<T>
    where T : class
{
    private readonly object _gate = new();
    private readonly string _name;
    private readonly ILogger _logger;
    private readonly bool _replayLatest;
    private readonly Action<Exception>? _onObserverFailed;
    private IObserver<T>[] _observers = [];
    private T? _latest;
    private bool _completed;

    public ObserverList(string name, ILogger logger, bool replayLatest, Action<Exception>? onObserverFailed = null)
    {
        _name = name;
        _logger = logger;
        _replayLatest = replayLatest;
        _onObserverFailed = onObserverFailed;
    }

    public T? Latest => Volatile.Read(ref _latest);

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            if (_replayLatest && _latest is { } latest)
            {
                Call(observer, latest);
            }

            if (_completed)
            {
                observer.OnCompleted();
                return EmptyDisposable.Instance;
            }

            _observers = [.. _observers, observer];
        }

        return new Subscription(this, observer);
    }

    public void Publish(T value)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _latest = value;
            foreach (var observer in _observers)
            {
                Call(observer, value);
            }
        }
    }

    public void Complete()
    {
        IObserver<T>[] observers;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            observers = _observers;
            _observers = [];
            foreach (var observer in observers)
            {
                try
                {
                    observer.OnCompleted();
                }
                catch (Exception ex)
                {
                    Log.ObserverFailed(_logger, _name, ex);
                }
            }
        }
    }

    private void Call(IObserver<T> observer, T value)
    {
        try
        {
            observer.OnNext(value);
        }
        catch (Exception ex)
        {
            Log.ObserverFailed(_logger, _name, ex);
            _onObserverFailed?.Invoke(ex);
        }
    }

    private void Remove(IObserver<T> observer)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_observers, observer);
            if (index >= 0)
            {
                _observers = [.. _observers.AsSpan(0, index), .. _observers.AsSpan(index + 1)];
            }
        }
    }

    private sealed class Subscription(ObserverList<T> owner, IObserver<T> observer) : IDisposable
    {
        private ObserverList<T>? _owner = owner;

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Remove(observer);
    }

    private sealed class EmptyDisposable : IDisposable
    {
        public static readonly EmptyDisposable Instance = new();

        public void Dispose()
        {
        }
    }
}
