using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using RealtimeClient.Codec;
using RealtimeClient.Internal;

namespace RealtimeClient;

public sealed partial class RealtimeConnection
{
    private long _nextId;
    private readonly string _idPrefix = Guid.NewGuid().ToString("N")[..12] + "-";

    internal PendingRequests Requests => _requests;

    /// <summary>
    /// Sends a text message. The task completes with the message's outcome: written to the socket
    /// (<see cref="DeliveryMode.AtMostOnce"/>, the default), acknowledged by the server (<see cref="DeliveryMode.AtLeastOnce"/>;
    /// the text must then be a JSON object, to which the id property is added), or failed with
    /// <see cref="MessageDeliveryException"/> saying why. While disconnected the message waits in the queue (or, for
    /// <see cref="DeliveryMode.Volatile"/>, fails at once). Messages go out in the order their sends were called.
    /// </summary>
    /// <param name="text">The message.</param>
    /// <param name="options">Delivery mode, time to live and id (default: <see langword="null"/>, <see cref="SendOptions.Default"/>).</param>
    /// <param name="cancellationToken">Cancels the send while it waits for room or in the queue; a write already under way is not cut short.</param>
    /// <returns>The outcome. Await it once (or call <c>AsTask()</c>).</returns>
    public ValueTask SendAsync(string text, SendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        var length = Encoding.UTF8.GetBytes(text, buffer);
        return SendEncodedAsync(buffer, length, MessageKind.Text, options ?? SendOptions.Default, cancellationToken);
    }

    /// <summary>
    /// Sends a message of <paramref name="kind"/> (binary by default) whose bytes are copied, so the caller may reuse
    /// <paramref name="data"/> at once. Outcomes as for <see cref="SendAsync(string, SendOptions?, CancellationToken)"/>;
    /// acknowledged delivery needs a text JSON object.
    /// </summary>
    /// <param name="data">The message.</param>
    /// <param name="kind">Binary (default) or text (the bytes must then be UTF-8).</param>
    /// <param name="options">Delivery settings (default: <see cref="SendOptions.Default"/>).</param>
    /// <param name="cancellationToken">Cancels the send while it waits.</param>
    /// <returns>The outcome.</returns>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, MessageKind kind = MessageKind.Binary, SendOptions? options = null, CancellationToken cancellationToken = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
        data.Span.CopyTo(buffer);
        return SendEncodedAsync(buffer, data.Length, kind, options ?? SendOptions.Default, cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="payload"/> as one envelope of <paramref name="type"/> through the codec (by default
    /// <c>{"type": type, "data": payload}</c>, with <c>"id"</c> for acknowledged delivery). Trimming- and AOT-safe.
    /// </summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="typeInfo">The payload's JSON metadata (from a source-generated context).</param>
    /// <param name="options">Delivery settings (default: <see cref="SendOptions.Default"/>).</param>
    /// <param name="cancellationToken">Cancels the send while it waits.</param>
    /// <returns>The outcome.</returns>
    public ValueTask SendAsync<T>(string type, T payload, JsonTypeInfo<T> typeInfo, SendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(typeInfo);
        options ??= SendOptions.Default;
        var id = options.Delivery == DeliveryMode.AtLeastOnce ? options.MessageId ?? NewMessageId() : options.MessageId;
        using var writer = new PooledBufferWriter();
        _codec.WriteEnvelope(writer, type, payload, typeInfo, id);
        var (buffer, length) = writer.Detach();
        return SendCoreAsync(buffer, length, MessageKind.Text, options, id, cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="payload"/> as one envelope of <paramref name="type"/>, serialised with the codec's
    /// <c>JsonSerializerOptions</c> by reflection. Apps that trim or compile ahead of time use the overload with a
    /// <see cref="JsonTypeInfo{T}"/>.
    /// </summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="options">Delivery settings (default: <see cref="SendOptions.Default"/>).</param>
    /// <param name="cancellationToken">Cancels the send while it waits.</param>
    /// <returns>The outcome.</returns>
    /// <remarks>Named apart from <c>SendAsync</c> so that <c>SendAsync(text, options)</c> is never ambiguous.</remarks>
    [RequiresUnreferencedCode("Serialises T by reflection; use SendAsync with a JsonTypeInfo<T> when trimming.")]
    [RequiresDynamicCode("Serialises T by reflection; use SendAsync with a JsonTypeInfo<T> for native AOT.")]
    public ValueTask SendEnvelopeAsync<T>(string type, T payload, SendOptions? options = null, CancellationToken cancellationToken = default) =>
        SendAsync(type, payload, ReflectionTypeInfo.Get<T>(_codec), options, cancellationToken);

    /// <summary>
    /// Fails every message in the queue, and every acknowledged message still waiting for its acknowledgement, with
    /// <see cref="DeliveryFailureReason.Cancelled"/>. A message being written at this moment is not affected.
    /// </summary>
    /// <returns>How many messages were failed.</returns>
    public int ClearQueue() => _queue.FailAll(DeliveryFailureReason.Cancelled);

    /// <summary>Waits until nothing is queued or waiting for an acknowledgement, up to <paramref name="timeout"/>.</summary>
    /// <param name="timeout">The longest wait (<see cref="Timeout.InfiniteTimeSpan"/> for none).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>True if the queue drained in time.</returns>
    public async Task<bool> WaitUntilDrainedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var bound = timeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(bound.Token, cancellationToken);
        try
        {
            await _queue.WhenDrainedAsync(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private string NewMessageId() => _idPrefix + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private ValueTask SendEncodedAsync(byte[] buffer, int length, MessageKind kind, SendOptions options, CancellationToken cancellationToken)
    {
        string? id = options.MessageId;
        if (options.Delivery == DeliveryMode.AtLeastOnce)
        {
            if (kind != MessageKind.Text)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw new ArgumentException("Acknowledged delivery needs a text message holding a JSON object, to carry the id.", nameof(options));
            }

            if (_codec.TryReadHeader(buffer.AsSpan(0, length), out _, out var existing) && existing is not null)
            {
                // The app's object already carries its id: use it.
                id = existing;
            }
            else
            {
                id ??= NewMessageId();
                using var writer = new PooledBufferWriter(length + id.Length + 16);
                var attached = _codec.TryAttachId(buffer.AsSpan(0, length), id, writer);
                ArrayPool<byte>.Shared.Return(buffer);
                if (!attached)
                {
                    throw new ArgumentException("Acknowledged delivery needs the text to be a single JSON object, to carry the id.", nameof(options));
                }

                (buffer, length) = writer.Detach();
            }
        }

        return SendCoreAsync(buffer, length, kind, options, id, cancellationToken);
    }

    /// <summary>Takes ownership of <paramref name="buffer"/> (rented) and sends it by the fastest path that keeps the order.</summary>
    private ValueTask SendCoreAsync(byte[] buffer, int length, MessageKind kind, SendOptions options, string? id, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ValueTask.FromException(new ObjectDisposedException(nameof(RealtimeConnection)));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ValueTask.FromException(new MessageDeliveryException(DeliveryFailureReason.Cancelled, id));
        }

        var session = _supervisor?.Session;
        if (session is not null && session.CheckLivenessByWallClock())
        {
            session = null;
        }

        if (options.Delivery == DeliveryMode.Volatile)
        {
            if (session is null || !session.IsReady)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return ValueTask.FromException(new MessageDeliveryException(DeliveryFailureReason.NotConnected, id));
            }

            return WriteVolatileAsync(session, buffer, length, kind, id, cancellationToken);
        }

        if (options.Delivery == DeliveryMode.AtMostOnce && options.TimeToLive is null && session is not null && session.TryEnterDirectWrite())
        {
            return WriteDirectAsync(session, buffer, length, kind);
        }

        if (_state.State == ConnectionState.Closed)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ValueTask.FromException(new MessageDeliveryException(DeliveryFailureReason.ConnectionClosed, id));
        }

        var message = new OutboundMessage(buffer, length, kind, options.Delivery, id);
        var outcome = message.AsValueTask();
        var enqueue = _queue.EnqueueAsync(message, options.TimeToLive, cancellationToken);
        return enqueue.IsCompletedSuccessfully ? outcome : AwaitEnqueueThenOutcomeAsync(enqueue, outcome);

        static async ValueTask AwaitEnqueueThenOutcomeAsync(ValueTask enqueue, ValueTask outcome)
        {
            await enqueue.ConfigureAwait(false);
            await outcome.ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteDirectAsync(Session session, byte[] buffer, int length, MessageKind kind)
    {
        try
        {
            // Not cancellable once started: cancelling a WebSocket write aborts the socket.
            await session.DirectWriteAsync(buffer.AsMemory(0, length), kind, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The socket died under the write: a frame cut short is discarded by the server, so the message goes back to
            // the front of the queue for the next connection.
            var message = new OutboundMessage(buffer, length, kind, DeliveryMode.AtMostOnce, null);
            _queue.PushFront(message);
            await message.AsValueTask().ConfigureAwait(false);
            return;
        }

        ArrayPool<byte>.Shared.Return(buffer);
    }

    private static async ValueTask WriteVolatileAsync(Session session, byte[] buffer, int length, MessageKind kind, string? id, CancellationToken cancellationToken)
    {
        try
        {
            await session.WriteAsync(buffer.AsMemory(0, length), kind, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new MessageDeliveryException(DeliveryFailureReason.Cancelled, id);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            throw new MessageDeliveryException(DeliveryFailureReason.NotConnected, id, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
