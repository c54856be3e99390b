using RealtimeClient.Buffers;
using RealtimeClient.Outbound;

namespace RealtimeClient;

// Request/response by correlation id.
public sealed partial class RealtimeConnection
{
    /// <summary>How many requests wait for their reply (for tests: a finished request leaves nothing behind).</summary>
    internal int PendingRequestCount => _requests.Count;

    /// <summary>
    /// Sends <paramref name="payload"/> as an envelope of <paramref name="type"/> with a new id and completes with the
    /// payload of the first inbound envelope carrying the same id (other than an acknowledgement). A request still queued
    /// when the connection drops is not failed: it goes out on the next connection.
    /// </summary>
    /// <typeparam name="TRequest">The request payload type.</typeparam>
    /// <typeparam name="TReply">The reply payload type.</typeparam>
    /// <param name="type">The request's message type.</param>
    /// <param name="payload">The request payload.</param>
    /// <param name="cancellationToken">Abandons the request.</param>
    /// <returns>The reply's payload.</returns>
    /// <exception cref="TimeoutException">No reply within <see cref="RequestOptions.Timeout"/>.</exception>
    /// <exception cref="MessageDeliveryException">
    /// The server refused the request (<see cref="DeliveryFailureReason.Rejected"/>, with its code and message: a refusal
    /// type from <see cref="AcknowledgementOptions.RejectionTypes"/> repeating the request's id), or it could not be sent.
    /// </exception>
    /// <exception cref="ConnectionClosedException">
    /// The connection dropped after the request was written (and <see cref="RequestOptions.ResendOnReconnect"/> is off),
    /// or it closed for good first.
    /// </exception>
    public async Task<TReply?> RequestAsync<TRequest, TReply>(string type, TRequest payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var id = NewMessageId();
        RentedBuffer bytes;
        using (var writer = new PooledBufferWriter())
        {
            _format.WriteEnvelope(writer, type, id, payload, _serializer);
            bytes = writer.Detach();
        }

        var resend = _options.Requests.ResendOnReconnect ? bytes.Span.ToArray() : null;
        var message = new OutboundMessage(_queue.NextSequence(), bytes, _format.MessageKind, DeliveryMode.AtMostOnce, id);
        var pending = _requests.Add(message, resend);
        using var timeout = _options.Requests.Timeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(_options.Requests.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _outbound.SendAsync(message, null, linked.Token).ConfigureAwait(false);
            var reply = await pending.Reply.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            return reply.GetPayload<TReply>();
        }
        catch (Exception ex) when (ex is OperationCanceledException or MessageDeliveryException { Reason: DeliveryFailureReason.Cancelled }
            && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No reply to request '{id}' within {_options.Requests.Timeout.TotalSeconds:0.###} s.");
        }
        catch (MessageDeliveryException ex) when (ex.Reason == DeliveryFailureReason.Cancelled && cancellationToken.IsCancellationRequested)
        {
            // Cancelled by the caller while still queued: the same outcome as a cancel while waiting for the reply.
            throw new OperationCanceledException($"Request '{id}' was cancelled before it was sent.", ex, cancellationToken);
        }
        finally
        {
            _requests.Remove(pending);
        }
    }
}
