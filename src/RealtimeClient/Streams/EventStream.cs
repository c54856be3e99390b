namespace RealtimeClient.Streams;

/// <summary>
/// The one hot observable behind every stream of the connection (state changes, errors, raw and typed messages).
/// Each observer is called in its own try/catch: one that throws is reported through <c>onObserverFailed</c> and stays
/// subscribed; <c>OnError</c> is never called.
/// </summary>
/// <remarks>
/// <para>Two ways to publish, one per kind of stream:</para>
/// <list type="bullet">
/// <item><see cref="Publish"/> for streams written from many threads (state changes, errors): values are queued in the
/// order of the calls and delivered one at a time, in that order, by whichever caller finds nobody delivering; the others
/// return at once. So publication is serialised, an observer that publishes again (or starts or stops the connection)
/// never sees values out of order, and a slow observer never blocks another thread's publish.</item>
/// <item><see cref="PublishAsync"/> for streams written by one loop only (the dispatch loop): no queue, and an observer
/// that is an <see cref="IBackpressureObserver{T}"/> (a <c>ReadAllAsync</c> reader) is awaited.</item>
/// </list>
/// </remarks>
internal sealed class EventStream<T> : IObservable<T>
{
    private readonly string _name;
    private readonly Action<string, Exception>? _onObserverFailed;
    private readonly bool _replayLatest;
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private IObserver<T>[] _observers = [];
    private bool _delivering;
    private bool _completed;
    private bool _hasLatest;
    private int _pendingValues;
    private T? _latest;

    public EventStream(string name, Action<string, Exception>? onObserverFailed, bool replayLatest = false)
    {
        _name = name;
        _onObserverFailed = onObserverFailed;
        _replayLatest = replayLatest;
    }

    public string Name => _name;

    /// <summary>Whether anyone is subscribed (read without a lock: a hint for skipping work).</summary>
    public bool HasObservers => Volatile.Read(ref _observers).Length != 0;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            if (!_completed)
            {
                _observers = [.. _observers, observer];
            }

            // Values still queued reach the new observer anyway (it is in the list when they are delivered), and they are
            // newer than the latest one: the latest is replayed only when nothing newer is on its way.
            if (_completed || (_replayLatest && _pendingValues == 0))
            {
                _queue.Enqueue(new Pending(PendingKind.Replay, default, observer));
            }
        }

        Deliver();
        return new Subscription(this, observer);
    }

    /// <summary>Queues <paramref name="value"/> for every observer; delivers it now unless another call is delivering.</summary>
    public void Publish(T value)
    {
        Enqueue(value);
        Flush();
    }

    /// <summary>
    /// Queues <paramref name="value"/> without delivering it: a caller that orders its values under a lock of its own
    /// enqueues under that lock and calls <see cref="Flush"/> after releasing it, so observers never run inside it.
    /// </summary>
    public void Enqueue(T value)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _queue.Enqueue(new Pending(PendingKind.Value, value, null));
            _pendingValues++;
        }
    }

    /// <summary>Delivers what is queued, unless another call is delivering it already.</summary>
    public void Flush() => Deliver();

    /// <summary>Completes every observer after the values already published; later subscribers complete at once.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _queue.Enqueue(new Pending(PendingKind.Complete, default, null));
        }

        Deliver();
    }

    /// <summary>
    /// Delivers <paramref name="value"/> to every observer now, awaiting back-pressure observers. Only for a stream that
    /// one loop publishes, never together with <see cref="Publish"/>.
    /// </summary>
    public ValueTask PublishAsync(T value)
    {
        var observers = Volatile.Read(ref _observers);
        for (var i = 0; i < observers.Length; i++)
        {
            var pending = Call(observers[i], value);
            if (!pending.IsCompletedSuccessfully)
            {
                return PublishSlowAsync(pending, observers, i, value);
            }
        }

        return default;
    }

    private async ValueTask PublishSlowAsync(ValueTask pending, IObserver<T>[] observers, int index, T value)
    {
        while (true)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A subscriber's exception is reported and touches nothing else.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Report(ex);
            }

            do
            {
                if (++index >= observers.Length)
                {
                    return;
                }

                pending = Call(observers[index], value);
            }
            while (pending.IsCompletedSuccessfully);
        }
    }

    private ValueTask Call(IObserver<T> observer, T value)
    {
        try
        {
            if (observer is IBackpressureObserver<T> backpressure)
            {
                return backpressure.OnNextAsync(value);
            }

            observer.OnNext(value);
        }
#pragma warning disable CA1031 // See PublishSlowAsync.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Report(ex);
        }

        return default;
    }

    private void Deliver()
    {
        while (true)
        {
            Pending next;
            IObserver<T>[] observers;
            lock (_gate)
            {
                if (_delivering || !_queue.TryDequeue(out next))
                {
                    return;
                }

                _delivering = true;
                observers = _observers;
                if (next.Kind == PendingKind.Value)
                {
                    _pendingValues--;
                    if (_replayLatest)
                    {
                        _latest = next.Value;
                        _hasLatest = true;
                    }
                }
                else if (next.Kind == PendingKind.Complete)
                {
                    _observers = [];
                }
            }

            try
            {
                switch (next.Kind)
                {
                    case PendingKind.Value:
                        foreach (var observer in observers)
                        {
                            CallSync(observer, next.Value!);
                        }

                        break;
                    case PendingKind.Replay:
                        Replay(next.Observer!);
                        break;
                    default:
                        foreach (var observer in observers)
                        {
                            CallCompleted(observer);
                        }

                        break;
                }
            }
            finally
            {
                lock (_gate)
                {
                    _delivering = false;
                }
            }
        }
    }

    private void Replay(IObserver<T> observer)
    {
        bool hasLatest;
        T? latest;
        bool completed;
        bool subscribed;
        lock (_gate)
        {
            hasLatest = _hasLatest && _replayLatest;
            latest = _latest;
            completed = _completed;
            subscribed = Array.IndexOf(_observers, observer) >= 0;
        }

        if (hasLatest && (subscribed || completed))
        {
            CallSync(observer, latest!);
        }

        if (completed && !subscribed)
        {
            CallCompleted(observer);
        }
    }

    private void CallSync(IObserver<T> observer, T value)
    {
        try
        {
            observer.OnNext(value);
        }
#pragma warning disable CA1031 // See PublishSlowAsync.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Report(ex);
        }
    }

    private void CallCompleted(IObserver<T> observer)
    {
        try
        {
            observer.OnCompleted();
        }
#pragma warning disable CA1031 // See PublishSlowAsync.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Report(ex);
        }
    }

    /// <summary>Completes every observer now. Only for a stream that one loop publishes (see <see cref="PublishAsync"/>).</summary>
    public void CompleteNow()
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
        }

        foreach (var observer in observers)
        {
            CallCompleted(observer);
        }
    }

    private void Report(Exception ex)
    {
        try
        {
            _onObserverFailed?.Invoke(_name, ex);
        }
#pragma warning disable CA1031 // Reporting must never break publication.
        catch
#pragma warning restore CA1031
        {
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

    private enum PendingKind
    {
        Value,
        Replay,
        Complete,
    }

    private readonly record struct Pending(PendingKind Kind, T? Value, IObserver<T>? Observer);

    private sealed class Subscription(EventStream<T> owner, IObserver<T> observer) : IDisposable
    {
        private EventStream<T>? _owner = owner;

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Remove(observer);
    }
}

/// <summary>An observer the dispatch loop awaits (a bounded <c>ReadAllAsync</c> buffer under <see cref="DispatchOverflow.Wait"/>).</summary>
internal interface IBackpressureObserver<in T>
{
    ValueTask OnNextAsync(T value);
}
