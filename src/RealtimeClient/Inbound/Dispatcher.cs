using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RealtimeClient.Diagnostics;
using RealtimeClient.Serialization;
using RealtimeClient.Streams;

namespace RealtimeClient.Inbound;

/// <summary>
/// Routes received messages to the streams, off the receive loop. The receive loop posts every message into a bounded
/// channel; one dispatch task drains it, so observers are called one message at a time in arrival order. A message that
/// does not decode is reported and skipped; a throwing observer is reported and keeps its subscription. Streams belong to
/// the connection, not to a socket: they complete only when the dispatcher does.
/// </summary>
/// <remarks>
/// Per message, in this order: <see cref="Messages"/> (raw), the typed streams of the message's type (each payload type
/// decodes once for all its observers), <see cref="Envelopes"/>, then <see cref="Unhandled"/> when no typed stream with an
/// observer (and no type the connection handles itself) matches. Messages are decoded only while something observes a
/// decoded stream.
/// </remarks>
internal sealed class Dispatcher : IAsyncDisposable
{
    private const string MessagesStream = "Messages";

    private readonly DispatchOptions _options;
    private readonly IEnvelopeFormat _format;
    private readonly IPayloadSerializer _serializer;
    private readonly ErrorReporter _errors;
    private readonly ILogger _logger;
    private readonly DispatchBuffer _buffer;
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _gate = new();
    private readonly EventStream<InboundMessage> _raw;
    private readonly EventStream<Envelope> _envelopes;
    private readonly EventStream<Envelope> _unhandled;
    private readonly HashSet<string> _engineTypes;
    private readonly Task _loop;
    private volatile Dictionary<string, TypedRoute[]> _routes = new(StringComparer.Ordinal);
    private bool _completed; // under _gate
    private bool _dispatching; // under _gate: a message is being delivered (subscribers may be running)
    private DispatchItem _current; // the message being delivered: set and cleared by the dispatch loop, for failure reports
    private bool _hasCurrent;

    public Dispatcher(DispatchOptions options, IEnvelopeFormat format, IPayloadSerializer serializer, IEnumerable<string> engineTypes, ErrorReporter errors, ILogger logger)
    {
        _options = options;
        _format = format;
        _serializer = serializer;
        _errors = errors;
        _logger = logger;
        _engineTypes = new HashSet<string>(engineTypes, StringComparer.Ordinal);
        _raw = new EventStream<InboundMessage>(MessagesStream, ObserverFailed);
        _envelopes = new EventStream<Envelope>("Envelopes", ObserverFailed);
        _unhandled = new EventStream<Envelope>("Unhandled", ObserverFailed);
        _buffer = new DispatchBuffer(options.BufferCapacity, dropOldest: options.Overflow == DispatchOverflow.DropOldest, OnDropped);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Every message, raw.</summary>
    public IObservable<InboundMessage> Messages => _raw;

    /// <summary>Every message that reads as an envelope.</summary>
    public IObservable<Envelope> Envelopes => _envelopes;

    /// <summary>Envelopes of a type no typed stream observes (and the connection does not handle itself).</summary>
    public IObservable<Envelope> Unhandled => _unhandled;

    /// <summary>
    /// Whether a message's envelope will be read to dispatch it (a typed stream exists, or <see cref="Envelopes"/> or
    /// <see cref="Unhandled"/> has an observer). The receive loop then reads it, so the dispatch task does not: the work
    /// per message is split between the two instead of piling up on the dispatch task. No lock: read for every message.
    /// </summary>
    public bool ReadsEnvelopes => _routes.Count > 0 || _envelopes.HasObservers || _unhandled.HasObservers;

    /// <summary>How many messages wait in the buffer.</summary>
    public int Pending => _buffer.Count;

    /// <summary>Completes when the dispatch loop has ended and every stream has completed.</summary>
    public Task Completion => _loop;

    /// <summary>
    /// Called by the receive loop for every complete message; takes ownership of its bytes in every case. Under
    /// <see cref="DispatchOverflow.Wait"/> it waits for room (honouring <paramref name="ct"/>); under
    /// <see cref="DispatchOverflow.DropOldest"/> it never waits. After completion the message is discarded.
    /// </summary>
    public ValueTask PostAsync(DispatchItem item, CancellationToken ct, bool deferWake = false) =>
        PostedOrDiscarded(_buffer.WriteAsync(item, ct, deferWake), item);

    /// <summary>Wakes the dispatch task for messages posted with <c>deferWake</c>; call before waiting for anything else.</summary>
    public void WakeDispatch() => _buffer.WakeReader();

    /// <summary>A typed stream: the payloads of messages of <paramref name="type"/>.</summary>
    public IObservable<T> On<T>(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return new RouteObservable<T>(this, type);
    }

    /// <summary>The payloads of messages of <paramref name="type"/> as an async stream with its own bounded buffer.</summary>
    public IAsyncEnumerable<T> ReadAllAsync<T>(string type, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(type);
        return ReadAllCoreAsync<T>(type, ct);
    }

    /// <summary>
    /// Completes every stream after the messages already queued were delivered. Waits for that unless a subscriber is
    /// running (it may be blocked): then it returns at once and the streams complete when that subscriber returns.
    /// <paramref name="ct"/> bounds the wait only.
    /// </summary>
    public async ValueTask CompleteAsync(bool drain, CancellationToken ct)
    {
        _buffer.Complete();
        bool wait;
        lock (_gate)
        {
            if (!drain)
            {
                _abort.Cancel();
            }

            wait = !_dispatching;
        }

        if (wait)
        {
            await _loop.WaitAsync(ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public ValueTask DisposeAsync() => CompleteAsync(drain: false, CancellationToken.None);

    private async IAsyncEnumerable<T> ReadAllCoreAsync<T>(string type, [EnumeratorCancellation] CancellationToken ct)
    {
        var wait = _options.Overflow == DispatchOverflow.Wait;
        var name = $"ReadAllAsync<{typeof(T).Name}>(\"{type}\")";
        var channel = Channel.CreateBounded<T>(
            new BoundedChannelOptions(_options.BufferCapacity)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = wait ? BoundedChannelFullMode.Wait : BoundedChannelFullMode.DropOldest,
            },
            _ => ReportOverflow(name, excerpt: null));
        var subscription = Route<T>(type).Stream.Subscribe(new ChannelObserver<T>(channel.Writer, wait, _abort.Token));
        try
        {
            var reader = channel.Reader;
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (reader.TryRead(out var value))
                {
                    yield return value;
                }
            }
        }
        finally
        {
            subscription.Dispose();
            channel.Writer.TryComplete(); // a dispatch waiting for room in this reader's buffer stops waiting
        }
    }

    private TypedRoute<T> Route<T>(string type)
    {
        lock (_gate)
        {
            var routes = _routes;
            routes.TryGetValue(type, out var existing);
            foreach (var candidate in existing ?? [])
            {
                if (candidate is TypedRoute<T> found)
                {
                    return found;
                }
            }

            var route = new TypedRoute<T>(type, new EventStream<T>($"On<{typeof(T).Name}>(\"{type}\")", ObserverFailed));
            if (_completed)
            {
                route.Stream.CompleteNow();
            }

            _routes = new Dictionary<string, TypedRoute[]>(routes, StringComparer.Ordinal) { [type] = [.. existing ?? [], route] };
            return route;
        }
    }

    /// <summary>A message the buffer did not take (it was completed, or the wait for room was cancelled) is discarded.</summary>
    private static ValueTask PostedOrDiscarded(ValueTask<bool> write, DispatchItem item)
    {
        if (write.IsCompletedSuccessfully)
        {
            if (!write.Result)
            {
                item.Bytes.Return();
            }

            return default;
        }

        return AwaitAsync(write, item);

        static async ValueTask AwaitAsync(ValueTask<bool> write, DispatchItem item)
        {
            try
            {
                if (!await write.ConfigureAwait(false))
                {
                    item.Bytes.Return();
                }
            }
            catch
            {
                item.Bytes.Return();
                throw;
            }
        }
    }

    private void OnDropped(DispatchItem item)
    {
        var excerpt = item.Excerpt();
        item.Bytes.Return();
        ReportOverflow(MessagesStream, excerpt);
    }

    private void ReportOverflow(string stream, string? excerpt)
    {
        Log.DispatchOverflow(_logger, stream, _options.BufferCapacity);
        _errors.Report(
            ErrorKind.DispatchOverflow,
            $"The dispatch buffer of {stream} was full ({_options.BufferCapacity} messages); the oldest message was dropped.",
            excerpt: excerpt);
    }

    private async Task RunAsync()
    {
        var buffer = _buffer;
        try
        {
            while (!_abort.IsCancellationRequested && await buffer.WaitToReadAsync().ConfigureAwait(false))
            {
                while (buffer.TryRead(out var item))
                {
                    try
                    {
                        lock (_gate)
                        {
                            if (_abort.IsCancellationRequested)
                            {
                                return; // the finally below returns this message's bytes, the outer one the rest
                            }

                            _dispatching = true;
                        }

                        _current = item;
                        _hasCurrent = true;
                        await DispatchAsync(item).ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // The loop must outlive any bug in one message's dispatch.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        Log.InternalError(_logger, nameof(Dispatcher), ex);
                        _errors.Report(ErrorKind.Internal, "Dispatching a message failed unexpectedly.", ex);
                    }
                    finally
                    {
                        _hasCurrent = false;
                        _current = default;
                        lock (_gate)
                        {
                            _dispatching = false;
                        }

                        item.Bytes.Return();
                    }
                }
            }
        }
        finally
        {
            _buffer.Complete(); // ended without draining: nothing posted from now on would ever be dispatched
            var discarded = 0;
            while (buffer.TryRead(out var left))
            {
                left.Bytes.Return();
                discarded++;
            }

            CompleteStreams();
            Log.DispatchCompleted(_logger, discarded);
        }
    }

    private async ValueTask DispatchAsync(DispatchItem item)
    {
        if (_raw.HasObservers)
        {
            await _raw.PublishAsync(InboundMessage.From(item.Kind, item.Span)).ConfigureAwait(false);
        }

        if (item.Unreadable || !_format.CanRead(item.Kind))
        {
            return;
        }

        var routes = _routes;
        if (routes.Count == 0 && !_envelopes.HasObservers && !_unhandled.HasObservers)
        {
            return;
        }

        EnvelopeHeader header;
        if (item.Header is { } known)
        {
            header = known;
        }
        else if (!TryReadHeader(item, out header))
        {
            return;
        }

        var handled = false;
        if (routes.TryGetValue(header.Type, out var typed))
        {
            foreach (var route in typed)
            {
                if (route.HasObservers)
                {
                    handled = true;
                    await route.DeliverAsync(this, item, header).ConfigureAwait(false);
                }
            }
        }

        var unhandled = false;
        if (!handled && !_engineTypes.Contains(header.Type))
        {
            Log.Unhandled(_logger, header.Type);
            unhandled = _unhandled.HasObservers;
        }

        if (!_envelopes.HasObservers && !unhandled)
        {
            return;
        }

        var envelope = new Envelope(header, item.Kind, item.Span.ToArray(), _format, _serializer);
        if (_envelopes.HasObservers)
        {
            await _envelopes.PublishAsync(envelope).ConfigureAwait(false);
        }

        if (unhandled)
        {
            await _unhandled.PublishAsync(envelope).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the envelope; a message that is not one, or a format that throws, is reported as a decode failure.</summary>
    private bool TryReadHeader(DispatchItem item, out EnvelopeHeader header)
    {
        try
        {
            if (_format.TryReadHeader(item.Span, out header, out var failure))
            {
                return true;
            }

            ReportDecodeFailed(failure, null, item);
        }
#pragma warning disable CA1031 // A format with a bug fails one message, like a payload that does not fit; dispatch goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ReportDecodeFailed($"The envelope format threw {ex.GetType().Name} reading the message.", ex, item);
        }

        header = default;
        return false;
    }

    internal bool TryDecode<T>(DispatchItem item, in EnvelopeHeader header, out T? value)
    {
        try
        {
            value = _serializer.Deserialize<T>(header.HasPayload
                ? item.Bytes.Memory.Slice(header.PayloadOffset, header.PayloadLength)
                : _format.MissingPayload);
            return true;
        }
#pragma warning disable CA1031 // Whatever the serializer throws, the message is reported and skipped; dispatch goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ReportDecodeFailed($"The payload of a '{header.Type}' message does not fit {typeof(T).Name}.", ex, item);
            value = default;
            return false;
        }
    }

    private void CompleteStreams()
    {
        TypedRoute[] all;
        lock (_gate)
        {
            _completed = true;
            all = [.. _routes.Values.SelectMany(r => r)];
        }

        _raw.CompleteNow();
        foreach (var route in all)
        {
            route.Complete();
        }

        _envelopes.CompleteNow();
        _unhandled.CompleteNow();
    }

    /// <summary>An observer threw: reported with an excerpt of the message it was given (observers run while it is dispatched).</summary>
    private void ObserverFailed(string stream, Exception exception) =>
        _errors.ObserverFailed(stream, exception, _hasCurrent ? _current.Excerpt() : null);

    private void ReportDecodeFailed(string reason, Exception? exception, DispatchItem item)
    {
        Log.DecodeFailed(_logger, reason, exception);
        _errors.Report(ErrorKind.DecodeFailed, reason, exception, item.Excerpt());
    }

    /// <summary>The observers of one message type that share one payload type: the payload is decoded once for all.</summary>
    private abstract class TypedRoute
    {
        public abstract bool HasObservers { get; }

        public abstract ValueTask DeliverAsync(Dispatcher dispatcher, DispatchItem item, EnvelopeHeader header);

        public abstract void Complete();
    }

    private sealed class TypedRoute<T>(string type, EventStream<T> stream) : TypedRoute
    {
        public string Type { get; } = type;

        public EventStream<T> Stream { get; } = stream;

        public override bool HasObservers => Stream.HasObservers;

        public override ValueTask DeliverAsync(Dispatcher dispatcher, DispatchItem item, EnvelopeHeader header) =>
            dispatcher.TryDecode<T>(item, header, out var value) ? Stream.PublishAsync(value!) : default;

        public override void Complete() => Stream.CompleteNow();
    }

    private sealed class RouteObservable<T>(Dispatcher dispatcher, string type) : IObservable<T>
    {
        public IDisposable Subscribe(IObserver<T> observer) => dispatcher.Route<T>(type).Stream.Subscribe(observer);
    }
}

/// <summary>Feeds one <c>ReadAllAsync</c> enumeration. Under <see cref="DispatchOverflow.Wait"/> the dispatch loop waits for room.</summary>
internal sealed class ChannelObserver<T>(ChannelWriter<T> writer, bool wait, CancellationToken abort) : IObserver<T>, IBackpressureObserver<T>
{
    public void OnNext(T value) => writer.TryWrite(value);

    public ValueTask OnNextAsync(T value) => writer.TryWrite(value) || !wait ? default : WriteSlowAsync(value);

    public void OnCompleted() => writer.TryComplete();

    public void OnError(Exception error) => writer.TryComplete(error);

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
