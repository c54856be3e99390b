using System.Text;
using RealtimeClient.Buffers;

namespace RealtimeClient;

// Sends: typed envelopes and raw messages, each completing with its outcome.
public sealed partial class RealtimeConnection
{
    /// <summary>
    /// Sends <paramref name="payload"/> as one envelope of <paramref name="type"/> (the envelope format and serializer of
    /// the options; by default <c>{"type": type, "id": ..., "data": payload}</c>, the id only for acknowledged delivery or
    /// when given). The task completes with the outcome: written to the socket (at-most-once, the default), acknowledged
    /// by the server (<see cref="SendOptions.Acknowledged"/>), or failed with <see cref="MessageDeliveryException"/> saying
    /// why. While disconnected the message waits in the queue (or, volatile, fails at once). Messages go out in the order
    /// their sends were called.
    /// </summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="options">Delivery settings (default: <see langword="null"/>, <see cref="SendOptions.Default"/>).</param>
    /// <param name="cancellationToken">
    /// Cancels the send while it waits for room, in the queue or for its acknowledgement. A write under way is not cut
    /// short: if it succeeds, an at-most-once send completes; if it fails (or an acknowledged one was written), the send
    /// fails with <see cref="DeliveryFailureReason.Cancelled"/> and is not written again.
    /// </param>
    /// <returns>The outcome. Await it once (or call <c>AsTask()</c>).</returns>
    public ValueTask SendAsync<T>(string type, T payload, SendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        options ??= SendOptions.Default;
        if (CheckDurable(options) is { } invalid)
        {
            return ValueTask.FromException(invalid);
        }

        var id = options.Delivery == DeliveryMode.AtLeastOnce ? options.MessageId ?? NewMessageId() : options.MessageId;
        RentedBuffer bytes;
        using (var writer = new PooledBufferWriter())
        {
            _format.WriteEnvelope(writer, type, id, payload, _serializer);
            bytes = writer.Detach();
        }

        return SendEncodedAsync(bytes, _format.MessageKind, options, id, cancellationToken);
    }

    /// <summary>
    /// Accepts <paramref name="payload"/> for delivery as one envelope of <paramref name="type"/> and returns as soon as it
    /// is accepted — in the queue, and for a durable send (<see cref="SendOptions.Durable"/>) written to the outbox, so it
    /// survives a crash of the app from then on — with its id and its outcome to await later (the same outcome
    /// <see cref="SendAsync{T}"/> completes with). Useful to tell a user "saved" before "delivered".
    /// </summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="options">Delivery settings (default: <see cref="SendOptions.Default"/>).</param>
    /// <param name="cancellationToken">Cancels waiting for room in the queue (or for the outbox); once accepted, cancels the send while it waits in the queue.</param>
    /// <returns>The accepted message: its id and its outcome.</returns>
    /// <exception cref="MessageDeliveryException">It could not be accepted (queue full, closed, too large, the outbox failed).</exception>
    public async ValueTask<Delivery> EnqueueAsync<T>(string type, T payload, SendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        options ??= SendOptions.Default;
        if (CheckDurable(options) is { } invalid)
        {
            throw invalid;
        }

        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (options.Delivery == DeliveryMode.Volatile)
        {
            throw new ArgumentException("A volatile message is never queued; use SendAsync.", nameof(options));
        }

        var id = options.Delivery == DeliveryMode.AtLeastOnce ? options.MessageId ?? NewMessageId() : options.MessageId;
        RentedBuffer bytes;
        using (var writer = new PooledBufferWriter())
        {
            _format.WriteEnvelope(writer, type, id, payload, _serializer);
            bytes = writer.Detach();
        }

        var span = options.Delivery == DeliveryMode.AtLeastOnce && _telemetry.TracesSends ? _telemetry.StartSend(id) : null;
        Task outcome;
        try
        {
            if (_options.MaxOutboundMessageSize is { } max && bytes.Length > max)
            {
                bytes.Return();
                _telemetry.MessageFailed(DeliveryFailureReason.TooLarge);
                throw new MessageDeliveryException(DeliveryFailureReason.TooLarge, id);
            }

            if (options.IsDurable)
            {
                outcome = await _outbox!.EnqueueAsync(bytes, _format.MessageKind, options, id!, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var message = new Outbound.OutboundMessage(_queue.NextSequence(), bytes, _format.MessageKind, options.Delivery, id);
                outcome = await _outbound.EnqueueAsync(message, options.TimeToLive, cancellationToken).ConfigureAwait(false);
            }

            if (outcome.IsFaulted)
            {
                await outcome.ConfigureAwait(false); // refused at once: the caller learns why now
            }
        }
        catch (Exception ex) when (span is not null)
        {
            Diagnostics.ConnectionTelemetry.EndSend(span, ex);
            throw;
        }

        return new Delivery(id, span is null ? outcome : Diagnostics.ConnectionTelemetry.EndSendAsync(span, outcome));
    }

    /// <summary>
    /// Sends a text message exactly as given. Outcomes as for <see cref="SendAsync{T}"/>. For acknowledged delivery the
    /// text must be an envelope of the format (by default a JSON object): its own id is used, or one is added.
    /// </summary>
    /// <param name="text">The message.</param>
    /// <param name="options">Delivery settings (default: <see cref="SendOptions.Default"/>).</param>
    /// <param name="cancellationToken">Cancels the send while it waits.</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="ArgumentException">Acknowledged delivery of text that is not an envelope.</exception>
    public ValueTask SendTextAsync(string text, SendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var array = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(Encoding.UTF8.GetMaxByteCount(text.Length), 1));
        var length = Encoding.UTF8.GetBytes(text, array);
        return SendRawAsync(RentedBuffer.Own(array, length), MessageKind.Text, options ?? SendOptions.Default, cancellationToken);
    }

    /// <summary>
    /// Sends a binary message; the bytes are copied, so the caller may reuse <paramref name="data"/> at once. Outcomes as for
    /// <see cref="SendAsync{T}"/>; acknowledged delivery needs an envelope format that reads binary messages.
    /// </summary>
    /// <param name="data">The message.</param>
    /// <param name="options">Delivery settings (default: <see cref="SendOptions.Default"/>).</param>
    /// <param name="cancellationToken">Cancels the send while it waits.</param>
    /// <returns>The outcome.</returns>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, SendOptions? options = null, CancellationToken cancellationToken = default) =>
        SendRawAsync(RentedBuffer.CopyOf(data.Span), MessageKind.Binary, options ?? SendOptions.Default, cancellationToken);

    /// <summary>
    /// Fails every message in the queue, and every acknowledged message still waiting for its acknowledgement, with
    /// <see cref="DeliveryFailureReason.Cancelled"/>. A message being written at this moment is not affected.
    /// </summary>
    /// <returns>How many messages were failed.</returns>
    public int ClearQueue() => _queue.FailAll(DeliveryFailureReason.Cancelled, inFlight: true);

    /// <summary>
    /// Waits until nothing is queued, being written (a send written on the caller's path included) or waiting for an
    /// acknowledgement, up to <paramref name="timeout"/>.
    /// </summary>
    /// <param name="timeout">The longest wait (<see cref="Timeout.InfiniteTimeSpan"/> for none).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>True if the queue drained in time.</returns>
    public async Task<bool> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var bound = timeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(bound.Token, cancellationToken);
        try
        {
            await _outbound.WhenDrainedAsync(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private ValueTask SendRawAsync(RentedBuffer bytes, MessageKind kind, SendOptions options, CancellationToken cancellationToken)
    {
        if (CheckDurable(options) is { } invalid)
        {
            bytes.Return();
            return ValueTask.FromException(invalid);
        }

        var id = options.MessageId;
        if (options.Delivery == DeliveryMode.AtLeastOnce)
        {
            if (_format.CanRead(kind) && _format.TryReadHeader(bytes.Span, out var header, out _) && header.Id is not null)
            {
                id = header.Id; // the app's envelope already carries its id: use it
            }
            else
            {
                id ??= NewMessageId();
                using var writer = new PooledBufferWriter(bytes.Length + id.Length + 16);
                var attached = _format.CanRead(kind) && _format.TryAttachId(bytes.Span, id, writer);
                bytes.Return();
                if (!attached)
                {
                    return ValueTask.FromException(new ArgumentException(
                        "Acknowledged delivery needs the message to be an envelope of the connection's format (by default a JSON object in a text message), to carry the id.",
                        nameof(options)));
                }

                bytes = writer.Detach();
            }
        }

        return SendEncodedAsync(bytes, kind, options, id, cancellationToken);
    }

    /// <summary>Takes ownership of <paramref name="bytes"/> and hands them to the outbound channel (or the outbox first).</summary>
    private ValueTask SendEncodedAsync(RentedBuffer bytes, MessageKind kind, SendOptions options, string? id, CancellationToken cancellationToken)
    {
        if (options.Delivery == DeliveryMode.AtLeastOnce && _telemetry.TracesSends && _telemetry.StartSend(id) is { } span)
        {
            return Diagnostics.ConnectionTelemetry.EndSendAsync(span, SendEncodedCoreAsync(bytes, kind, options, id, cancellationToken));
        }

        return SendEncodedCoreAsync(bytes, kind, options, id, cancellationToken);
    }

    private ValueTask SendEncodedCoreAsync(RentedBuffer bytes, MessageKind kind, SendOptions options, string? id, CancellationToken cancellationToken)
    {
        if (IsDisposed)
        {
            bytes.Return();
            return ValueTask.FromException(new ObjectDisposedException(nameof(RealtimeConnection)));
        }

        if (_options.MaxOutboundMessageSize is { } max && bytes.Length > max)
        {
            bytes.Return();
            _telemetry.MessageFailed(DeliveryFailureReason.TooLarge);
            return ValueTask.FromException(new MessageDeliveryException(DeliveryFailureReason.TooLarge, id));
        }

        return options.IsDurable
            ? _outbox!.SendAsync(bytes, kind, options, id!, cancellationToken)
            : _outbound.SendAsync(bytes, kind, options, id, cancellationToken);
    }

    private ArgumentException? CheckDurable(SendOptions options) => options.IsDurable switch
    {
        true when _options.Outbox is null => new ArgumentException("A durable send needs RealtimeOptions.Outbox.", nameof(options)),
        true when options.Delivery != DeliveryMode.AtLeastOnce => new ArgumentException("A durable send needs acknowledged delivery (SendOptions.Durable).", nameof(options)),
        _ => null,
    };
}
