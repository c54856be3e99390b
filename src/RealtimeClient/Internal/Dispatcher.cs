using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RealtimeClient.Codec;

namespace RealtimeClient.Internal;

/// <summary>
/// Decodes inbound messages and routes them to the typed streams, off the receive loop. The receive loop posts every
/// message into a bounded channel; one dispatch task drains it, so observers are called one message at a time in
/// arrival order. A throwing observer is reported and keeps its subscription; a message that does not decode is
/// reported and skipped. Streams belong to the connection, not to a socket: they complete only when the dispatcher does.
/// </summary>
/// <remarks>
/// Per message, in this order: <see cref="Messages"/> (raw), the typed streams of the message's type (each distinct
/// <see cref="JsonTypeInfo{T}"/> decodes once for all its subscribers), <see cref="Envelopes"/>, then
/// <see cref="Unhandled"/> when no typed stream (and no engine-handled type) matches. Messages are decoded only while
/// something subscribes to a decoded stream, so an app that reads raw messages only never sees decode errors.
/// </remarks>
internal sealed class Dispatcher : IAsyncDisposable
{
    private const string MessagesStream = "Messages";
    private const string EnvelopesStream = "Envelopes";
    private const string UnhandledStream = "Unhandled";

    // Set while this thread runs a subscriber, so that completing the dispatcher from a subscriber does not wait for itself.
    [ThreadStatic]
    private static Dispatcher? t_dispatching;

    private readonly DispatchOptions _options;
    private readonly IMessageCodec _codec;
    private readonly Action<RealtimeError> _reportError;
    private readonly ILogger _logger;
    private readonly Channel<DispatchItem> _channel;
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _gate = new();
    private readonly SinkList<InboundMessage> _raw;
    private readonly SinkList<Envelope> _envelopes;
    private readonly SinkList<Envelope> _unhandled;
    private readonly Task _loop;
    private volatile Dictionary<string, PayloadStream[]> _routes = new(StringComparer.Ordinal);
    private volatile string[] _engineTypes = [];
    private bool _completed; // under _gate

    public Dispatcher(DispatchOptions options, IMessageCodec codec, Action<RealtimeError> reportError, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(reportError);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferCapacity, 1, nameof(options));
        _options = options;
        _codec = codec;
        _reportError = reportError;
        _logger = logger;
        _raw = new SinkList<InboundMessage>(_gate);
        _envelopes = new SinkList<Envelope>(_gate);
        _unhandled = new SinkList<Envelope>(_gate);
        _channel = Channel.CreateBounded<DispatchItem>(CreateChannelOptions(), OnItemDropped);
        Messages = new SinkObservable<InboundMessage>(this, _raw);
        Envelopes = new SinkObservable<Envelope>(this, _envelopes);
        Unhandled = new SinkObservable<Envelope>(this, _unhandled);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Every message, raw.</summary>
    public IObservable<InboundMessage> Messages { get; }

    /// <summary>Every message that decoded as an envelope.</summary>
    public IObservable<Envelope> Envelopes { get; }

    /// <summary>Envelopes of a type that no typed stream subscribes to (and the engine does not handle).</summary>
    public IObservable<Envelope> Unhandled { get; }

    public IMessageCodec Codec => _codec;

    public DispatchOptions Options => _options;

    /// <summary>How many messages wait in the buffer.</summary>
    public int Pending => _channel.Reader.Count;

    /// <summary>
    /// Called by the receive loop for every complete inbound message. Takes ownership of <paramref name="buffer"/>
    /// (rented from <see cref="ArrayPool{T}.Shared"/>) in every case, also when it throws; the dispatcher returns it.
    /// Under <see cref="DispatchOverflow.Wait"/> it waits for room (honouring <paramref name="ct"/>); under
    /// <see cref="DispatchOverflow.DropOldest"/> it never waits: it drops the oldest queued message and reports it.
    /// After completion the message is discarded.
    /// </summary>
    public ValueTask PostAsync(MessageKind kind, byte[] buffer, int length, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if ((uint)length > (uint)buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new ArgumentOutOfRangeException(nameof(length));
        }

        var item = new DispatchItem(kind, buffer, length);
        return _channel.Writer.TryWrite(item) ? default : PostSlowAsync(item, ct);
    }

    /// <summary>A typed stream: the payloads of messages of <paramref name="type"/>.</summary>
    public IObservable<T> On<T>(string type, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(typeInfo);
        return new TypedObservable<T>(this, type, typeInfo);
    }

    /// <summary>
    /// The payloads of messages of <paramref name="type"/> as an async stream with its own bounded buffer; subscribes
    /// when the enumeration starts and unsubscribes when it ends. Ends when the dispatcher completes.
    /// </summary>
    public IAsyncEnumerable<T> ReadAllAsync<T>(string type, JsonTypeInfo<T> typeInfo, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(typeInfo);
        return ReadAllCoreAsync(type, typeInfo, ct);
    }

    private async IAsyncEnumerable<T> ReadAllCoreAsync<T>(string type, JsonTypeInfo<T> typeInfo, [EnumeratorCancellation] CancellationToken ct)
    {
        var wait = _options.Overflow == DispatchOverflow.Wait;
        var channelOptions = new BoundedChannelOptions(_options.BufferCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = wait ? BoundedChannelFullMode.Wait : BoundedChannelFullMode.DropOldest,
        };
        var name = $"ReadAllAsync<{typeInfo.Type.Name}>(\"{type}\")";
        var channel = Channel.CreateBounded<T>(channelOptions, _ => ReportOverflow(name, excerpt: null));
        using var subscription = SubscribeTyped(type, typeInfo, new ChannelSink<T>(channel.Writer, wait, _abort.Token));
        var reader = channel.Reader;
        while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            while (reader.TryRead(out var value))
            {
                yield return value;
            }
        }
    }

    [RequiresUnreferencedCode(ReflectionTypeInfo.Warning)]
    [RequiresDynamicCode(ReflectionTypeInfo.Warning)]
    public JsonTypeInfo<T> GetTypeInfo<T>() => ReflectionTypeInfo.Get<T>(_codec);

    /// <summary>
    /// Marks a message type as handled by the engine itself (acks, heartbeat replies), so that it is not published
    /// on <see cref="Unhandled"/>.
    /// </summary>
    public void MarkHandled(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (_gate)
        {
            if (Array.IndexOf(_engineTypes, type) < 0)
            {
                _engineTypes = [.. _engineTypes, type];
            }
        }
    }

    /// <summary>
    /// Completes every stream (OnCompleted) after the already queued messages were delivered, or promptly drops them
    /// when <paramref name="drain"/> is <see langword="false"/>. Later subscribers complete at once. When called from
    /// a subscriber it returns without waiting (the streams complete once that subscriber returns).
    /// <paramref name="ct"/> bounds the wait only: completion goes on regardless.
    /// </summary>
    public ValueTask CompleteAsync(bool drain, CancellationToken ct)
    {
        _channel.Writer.TryComplete();
        if (!drain)
        {
            _abort.Cancel();
        }

        if (t_dispatching == this || _loop.IsCompleted)
        {
            return default;
        }

        return new ValueTask(_loop.WaitAsync(ct));
    }

    public ValueTask DisposeAsync() => CompleteAsync(drain: false, CancellationToken.None);

    internal IDisposable Subscribe<T>(SinkList<T> list, Sink<T> sink)
    {
        lock (_gate)
        {
            if (!_completed)
            {
                list.AddLocked(sink);
                return sink;
            }
        }

        CompleteSink(sink, "a completed stream");
        return sink;
    }

    internal IDisposable SubscribeTyped<T>(string type, JsonTypeInfo<T> typeInfo, Sink<T> sink)
    {
        lock (_gate)
        {
            if (!_completed)
            {
                var routes = _routes;
                routes.TryGetValue(type, out var streams);
                PayloadStream<T>? stream = null;
                if (streams is not null)
                {
                    foreach (var candidate in streams)
                    {
                        if (candidate is PayloadStream<T> typed && ReferenceEquals(typed.TypeInfo, typeInfo))
                        {
                            stream = typed;
                            break;
                        }
                    }
                }

                if (stream is null)
                {
                    stream = new PayloadStream<T>(this, _gate, type, typeInfo);
                    _routes = new Dictionary<string, PayloadStream[]>(routes, StringComparer.Ordinal)
                    {
                        [type] = streams is null ? [stream] : [.. streams, stream],
                    };
                }

                stream.Sinks.AddLocked(sink);
                sink.Owner = stream; // removing the last sink removes the stream, so the type becomes unhandled again
                return sink;
            }
        }

        CompleteSink(sink, "a completed stream");
        return sink;
    }

    // Caller holds the gate.
    internal void RemoveStreamLocked(PayloadStream stream)
    {
        var routes = _routes;
        foreach (var (type, streams) in routes)
        {
            var index = Array.IndexOf(streams, stream);
            if (index < 0)
            {
                continue;
            }

            var copy = new Dictionary<string, PayloadStream[]>(routes, StringComparer.Ordinal);
            if (streams.Length == 1)
            {
                copy.Remove(type);
            }
            else
            {
                var rest = new PayloadStream[streams.Length - 1];
                Array.Copy(streams, 0, rest, 0, index);
                Array.Copy(streams, index + 1, rest, index, streams.Length - index - 1);
                copy[type] = rest;
            }

            _routes = copy;
            return;
        }
    }

    internal bool TryDecodePayload<T>(DispatchItem item, in EnvelopeHeader header, JsonTypeInfo<T> typeInfo, out T? value)
    {
        try
        {
            var payload = header.HasData ? item.Span.Slice(header.DataOffset, header.DataLength) : "null"u8;
            value = _codec.ReadPayload(payload, typeInfo);
            return true;
        }
#pragma warning disable CA1031 // Whatever the codec throws, the message is reported and skipped; dispatch goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ReportDecodeFailed($"The data of a '{header.Type}' message does not fit {typeInfo.Type.Name}.", ex, item);
            value = default;
            return false;
        }
    }

    internal ValueTask PublishAsync<T>(Sink<T>[] sinks, T value, DispatchItem item, string stream)
    {
        for (var i = 0; i < sinks.Length; i++)
        {
            var pending = Invoke(sinks[i], value, item, stream);
            if (!pending.IsCompletedSuccessfully)
            {
                return PublishSlowAsync(pending, sinks, i, value, item, stream);
            }
        }

        return default;
    }

    internal void CompleteSinks<T>(Sink<T>[] sinks, string stream)
    {
        foreach (var sink in sinks)
        {
            CompleteSink(sink, stream);
        }
    }

    private static BoundedChannelOptions CreateChannelOptions(int capacity, DispatchOverflow overflow) => new(capacity)
    {
        SingleReader = true,
        SingleWriter = false,
        FullMode = overflow == DispatchOverflow.Wait ? BoundedChannelFullMode.Wait : BoundedChannelFullMode.DropOldest,
    };

    private BoundedChannelOptions CreateChannelOptions() => CreateChannelOptions(_options.BufferCapacity, _options.Overflow);

    private async ValueTask PostSlowAsync(DispatchItem item, CancellationToken ct)
    {
        try
        {
            await _channel.Writer.WriteAsync(item, ct).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
            DispatchLog.PostedAfterCompletion(_logger);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
            throw;
        }
    }

    private void OnItemDropped(DispatchItem item)
    {
        var excerpt = item.Excerpt();
        ArrayPool<byte>.Shared.Return(item.Buffer);
        ReportOverflow(MessagesStream, excerpt);
    }

    private void ReportOverflow(string stream, string? excerpt)
    {
        DispatchLog.Overflow(_logger, stream, _options.BufferCapacity);
        Report(new RealtimeError(
            ErrorKind.DispatchOverflow,
            $"The dispatch buffer of {stream} was full ({_options.BufferCapacity} messages); the oldest message was dropped.",
            excerpt: excerpt));
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        try
        {
            while (!_abort.IsCancellationRequested && await reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false))
            {
                while (!_abort.IsCancellationRequested && reader.TryRead(out var item))
                {
                    try
                    {
                        await DispatchAsync(item).ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // The loop must outlive any bug in one message's dispatch.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        DispatchLog.InternalError(_logger, ex);
                        Report(new RealtimeError(ErrorKind.Internal, "Dispatching a message failed unexpectedly.", ex));
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(item.Buffer);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Completed without draining.
        }
        finally
        {
            var discarded = 0;
            while (reader.TryRead(out var left))
            {
                ArrayPool<byte>.Shared.Return(left.Buffer);
                discarded++;
            }

            CompleteStreams();
            DispatchLog.Completed(_logger, discarded);
        }
    }

    private async ValueTask DispatchAsync(DispatchItem item)
    {
        var raw = _raw.Snapshot;
        if (raw.Length != 0)
        {
            await PublishAsync(raw, CreateInboundMessage(item), item, MessagesStream).ConfigureAwait(false);
        }

        if (item.Kind == MessageKind.Binary && !_options.DecodeBinaryMessages)
        {
            return;
        }

        var routes = _routes;
        if (routes.Count == 0 && _envelopes.IsEmpty && _unhandled.IsEmpty)
        {
            return;
        }

        if (!TryReadEnvelope(item, out var header))
        {
            return;
        }

        var handled = false;
        if (routes.TryGetValue(header.Type, out var streams))
        {
            handled = true;
            foreach (var stream in streams)
            {
                await stream.DeliverAsync(this, item, header).ConfigureAwait(false);
            }
        }

        var envelopes = _envelopes.Snapshot;
        Sink<Envelope>[] unhandled = [];
        if (!handled && Array.IndexOf(_engineTypes, header.Type) < 0)
        {
            DispatchLog.Unhandled(_logger, header.Type);
            unhandled = _unhandled.Snapshot;
        }

        if (envelopes.Length == 0 && unhandled.Length == 0)
        {
            return;
        }

        var envelope = CreateEnvelope(item, header);
        if (envelopes.Length != 0)
        {
            await PublishAsync(envelopes, envelope, item, EnvelopesStream).ConfigureAwait(false);
        }

        if (unhandled.Length != 0)
        {
            await PublishAsync(unhandled, envelope, item, UnhandledStream).ConfigureAwait(false);
        }
    }

    private bool TryReadEnvelope(DispatchItem item, out EnvelopeHeader header)
    {
        string? failure;
        try
        {
            if (_codec.TryReadEnvelope(item.Span, out header, out failure))
            {
                if (header.Type is not null)
                {
                    return true;
                }

                failure = "The codec found no message type.";
            }
        }
#pragma warning disable CA1031 // Malformed input (and any codec failure) is reported, never fatal.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            header = default;
            ReportDecodeFailed("The message is not well-formed JSON.", ex, item);
            return false;
        }

        header = default;
        ReportDecodeFailed(failure, null, item);
        return false;
    }

    private static InboundMessage CreateInboundMessage(DispatchItem item) => item.Kind == MessageKind.Text
        ? new InboundMessage(Encoding.UTF8.GetString(item.Span))
        : new InboundMessage(item.Span.ToArray());

    private static Envelope CreateEnvelope(DispatchItem item, in EnvelopeHeader header)
    {
        var json = item.Span.ToArray();
        var data = header.HasData ? json.AsMemory(header.DataOffset, header.DataLength) : ReadOnlyMemory<byte>.Empty;
        return new Envelope(header.Type, header.Id, json, data);
    }

    private ValueTask Invoke<T>(Sink<T> sink, T value, DispatchItem item, string stream)
    {
        if (sink.IsDisposed)
        {
            return default;
        }

        var previous = t_dispatching;
        t_dispatching = this;
        try
        {
            return sink.OnNextAsync(value);
        }
#pragma warning disable CA1031 // A subscriber's exception is reported and touches nothing else.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ReportSubscriberFailed(stream, ex, item);
            return default;
        }
        finally
        {
            t_dispatching = previous;
        }
    }

    private async ValueTask PublishSlowAsync<T>(ValueTask pending, Sink<T>[] sinks, int index, T value, DispatchItem item, string stream)
    {
        while (true)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // See Invoke.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                ReportSubscriberFailed(stream, ex, item);
            }

            do
            {
                if (++index >= sinks.Length)
                {
                    return;
                }

                pending = Invoke(sinks[index], value, item, stream);
            }
            while (pending.IsCompletedSuccessfully);
        }
    }

    private void CompleteStreams()
    {
        Sink<InboundMessage>[] raw;
        Sink<Envelope>[] envelopes;
        Sink<Envelope>[] unhandled;
        List<Action> typed = [];
        lock (_gate)
        {
            _completed = true;
            raw = _raw.TakeAllLocked();
            envelopes = _envelopes.TakeAllLocked();
            unhandled = _unhandled.TakeAllLocked();
            foreach (var streams in _routes.Values)
            {
                foreach (var stream in streams)
                {
                    typed.Add(stream.DetachAllLocked());
                }
            }

            _routes = new Dictionary<string, PayloadStream[]>(StringComparer.Ordinal);
        }

        CompleteSinks(raw, MessagesStream);
        foreach (var complete in typed)
        {
            complete();
        }

        CompleteSinks(envelopes, EnvelopesStream);
        CompleteSinks(unhandled, UnhandledStream);
    }

    private void CompleteSink<T>(Sink<T> sink, string stream)
    {
        var previous = t_dispatching;
        t_dispatching = this;
        try
        {
            sink.OnCompleted();
        }
#pragma warning disable CA1031 // See Invoke.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            DispatchLog.SubscriberFailed(_logger, stream, ex);
            Report(new RealtimeError(ErrorKind.SubscriberFailed, $"A subscriber of {stream} threw from OnCompleted.", ex));
        }
        finally
        {
            t_dispatching = previous;
        }
    }

    private void ReportDecodeFailed(string reason, Exception? exception, DispatchItem item)
    {
        DispatchLog.DecodeFailed(_logger, reason, exception);
        Report(new RealtimeError(ErrorKind.DecodeFailed, reason, exception, item.Excerpt()));
    }

    private void ReportSubscriberFailed(string stream, Exception exception, DispatchItem item)
    {
        DispatchLog.SubscriberFailed(_logger, stream, exception);
        Report(new RealtimeError(
            ErrorKind.SubscriberFailed,
            $"A subscriber of {stream} threw {exception.GetType().Name}; it keeps its subscription.",
            exception,
            item.Excerpt()));
    }

    private void Report(RealtimeError error)
    {
        try
        {
            _reportError(error);
        }
#pragma warning disable CA1031 // The error sink must not break dispatch.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            DispatchLog.ReportFailed(_logger, error.Kind, ex);
        }
    }
}
