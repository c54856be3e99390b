using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using RealtimeClient.Codec;

namespace RealtimeClient.Internal;

// Whoever keeps a sink in a list; removes it when the subscription is disposed.
internal interface ISinkOwner<T>
{
    void Remove(Sink<T> sink);
}

// One subscription. The dispatch loop calls OnNextAsync one message at a time; the subscription's Dispose stops
// further calls (a call already under way finishes).
internal abstract class Sink<T> : IDisposable
{
    private volatile bool _disposed;

    // Set under the dispatcher's gate when the sink is added to a list.
    internal ISinkOwner<T>? Owner { get; set; }

    public bool IsDisposed => _disposed;

    public abstract ValueTask OnNextAsync(T value);

    public abstract void OnCompleted();

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Owner?.Remove(this);
        OnDisposed();
    }

    protected virtual void OnDisposed()
    {
    }
}

internal sealed class ObserverSink<T>(IObserver<T> observer) : Sink<T>
{
    public override ValueTask OnNextAsync(T value)
    {
        observer.OnNext(value);
        return default;
    }

    public override void OnCompleted() => observer.OnCompleted();
}

// Feeds one ReadAllAsync enumeration. Under DispatchOverflow.Wait the dispatch loop waits for room.
internal sealed class ChannelSink<T>(ChannelWriter<T> writer, bool wait, CancellationToken abort) : Sink<T>
{
    public override ValueTask OnNextAsync(T value)
    {
        if (writer.TryWrite(value) || !wait)
        {
            return default;
        }

        return WriteSlowAsync(value);
    }

    public override void OnCompleted() => writer.TryComplete();

    protected override void OnDisposed() => writer.TryComplete();

    private async ValueTask WriteSlowAsync(T value)
    {
        try
        {
            await writer.WriteAsync(value, abort).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // The enumeration ended; nobody reads this any more.
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // The dispatcher was completed without draining.
        }
    }
}

// A copy-on-write list of sinks: the dispatch loop reads a snapshot without locking; changes hold the dispatcher's gate.
internal sealed class SinkList<T>(Lock gate) : ISinkOwner<T>
{
    private Sink<T>[] _sinks = [];

    public Sink<T>[] Snapshot => Volatile.Read(ref _sinks);

    public bool IsEmpty => Snapshot.Length == 0;

    // Caller holds the gate.
    public void AddLocked(Sink<T> sink)
    {
        sink.Owner = this;
        Volatile.Write(ref _sinks, [.. _sinks, sink]);
    }

    // Caller holds the gate.
    public bool RemoveLocked(Sink<T> sink)
    {
        var index = Array.IndexOf(_sinks, sink);
        if (index < 0)
        {
            return false;
        }

        var copy = new Sink<T>[_sinks.Length - 1];
        Array.Copy(_sinks, 0, copy, 0, index);
        Array.Copy(_sinks, index + 1, copy, index, _sinks.Length - index - 1);
        Volatile.Write(ref _sinks, copy);
        return true;
    }

    // Caller holds the gate.
    public Sink<T>[] TakeAllLocked()
    {
        var all = _sinks;
        Volatile.Write(ref _sinks, []);
        return all;
    }

    public void Remove(Sink<T> sink)
    {
        lock (gate)
        {
            RemoveLocked(sink);
        }
    }
}

// The subscribers of one message type that share one payload type's metadata: the payload is decoded once for all.
internal abstract class PayloadStream
{
    public abstract ValueTask DeliverAsync(Dispatcher dispatcher, DispatchItem item, EnvelopeHeader header);

    // Caller holds the gate. Empties the stream; the returned action completes the former sinks outside the gate.
    public abstract Action DetachAllLocked();
}

internal sealed class PayloadStream<T> : PayloadStream, ISinkOwner<T>
{
    private readonly Dispatcher _dispatcher;
    private readonly Lock _gate;

    public PayloadStream(Dispatcher dispatcher, Lock gate, string type, JsonTypeInfo<T> typeInfo)
    {
        _dispatcher = dispatcher;
        _gate = gate;
        Type = type;
        TypeInfo = typeInfo;
        Sinks = new SinkList<T>(gate);
        Name = $"On<{typeInfo.Type.Name}>(\"{type}\")";
    }

    public string Type { get; }

    public JsonTypeInfo<T> TypeInfo { get; }

    public SinkList<T> Sinks { get; }

    public string Name { get; }

    public override ValueTask DeliverAsync(Dispatcher dispatcher, DispatchItem item, EnvelopeHeader header)
    {
        var sinks = Sinks.Snapshot;
        if (sinks.Length == 0 || !dispatcher.TryDecodePayload(item, header, TypeInfo, out var value))
        {
            return default;
        }

        return dispatcher.PublishAsync(sinks, value!, item, Name);
    }

    public override Action DetachAllLocked()
    {
        var sinks = Sinks.TakeAllLocked();
        return () => _dispatcher.CompleteSinks(sinks, Name);
    }

    public void Remove(Sink<T> sink)
    {
        lock (_gate)
        {
            if (Sinks.RemoveLocked(sink) && Sinks.IsEmpty)
            {
                _dispatcher.RemoveStreamLocked(this);
            }
        }
    }
}

internal sealed class SinkObservable<T>(Dispatcher dispatcher, SinkList<T> list) : IObservable<T>
{
    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return dispatcher.Subscribe(list, new ObserverSink<T>(observer));
    }
}

internal sealed class TypedObservable<T>(Dispatcher dispatcher, string type, JsonTypeInfo<T> typeInfo) : IObservable<T>
{
    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return dispatcher.SubscribeTyped(type, typeInfo, new ObserverSink<T>(observer));
    }
}
