using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;
using RealtimeClient.Codec;
using RealtimeClient.Internal;

namespace RealtimeClient;

public sealed partial class RealtimeConnection
{
    /// <summary>
    /// Sends <paramref name="payload"/> as an envelope of <paramref name="type"/> with a new correlation id and completes
    /// with the payload of the first inbound envelope carrying the same id (other than an acknowledgement).
    /// </summary>
    /// <typeparam name="TRequest">The request payload type.</typeparam>
    /// <typeparam name="TReply">The reply payload type.</typeparam>
    /// <param name="type">The request's message type.</param>
    /// <param name="payload">The request payload.</param>
    /// <param name="requestTypeInfo">The request payload's JSON metadata.</param>
    /// <param name="replyTypeInfo">The reply payload's JSON metadata.</param>
    /// <param name="cancellationToken">Abandons the request.</param>
    /// <returns>The reply's payload.</returns>
    /// <exception cref="TimeoutException">No reply within <see cref="RequestOptions.Timeout"/>.</exception>
    /// <exception cref="ConnectionClosedException">The connection dropped (and <see cref="RequestOptions.ResendOnReconnect"/> is off) or closed for good first.</exception>
    /// <exception cref="MessageDeliveryException">The request could not be sent.</exception>
    public async Task<TReply?> RequestAsync<TRequest, TReply>(string type, TRequest payload, JsonTypeInfo<TRequest> requestTypeInfo,
        JsonTypeInfo<TReply> replyTypeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(requestTypeInfo);
        ArgumentNullException.ThrowIfNull(replyTypeInfo);
        var id = NewMessageId();
        byte[] buffer;
        int length;
        using (var writer = new PooledBufferWriter())
        {
            _codec.WriteEnvelope(writer, type, payload, requestTypeInfo, id);
            (buffer, length) = writer.Detach();
        }

        var pending = _requests.Add(id, _options.Requests.ResendOnReconnect ? buffer.AsSpan(0, length).ToArray() : null);
        using var timeout = new CancellationTokenSource(_options.Requests.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await SendCoreAsync(buffer, length, MessageKind.Text, SendOptions.Default, id, linked.Token).ConfigureAwait(false);
            pending.Written = true;
            var reply = await pending.Reply.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            if (!_codec.TryReadEnvelope(reply, out var header, out var failure))
            {
                throw new System.Text.Json.JsonException($"The reply to request '{id}' is not an envelope: {failure}");
            }

            return _codec.ReadPayload(header.HasData ? reply.AsSpan(header.DataOffset, header.DataLength) : "null"u8, replyTypeInfo);
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

    /// <summary>
    /// Sends a request serialised by reflection with the codec's <c>JsonSerializerOptions</c>; see
    /// <see cref="RequestAsync{TRequest, TReply}(string, TRequest, JsonTypeInfo{TRequest}, JsonTypeInfo{TReply}, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="TRequest">The request payload type.</typeparam>
    /// <typeparam name="TReply">The reply payload type.</typeparam>
    /// <param name="type">The request's message type.</param>
    /// <param name="payload">The request payload.</param>
    /// <param name="cancellationToken">Abandons the request.</param>
    /// <returns>The reply's payload.</returns>
    [RequiresUnreferencedCode("Serialises by reflection; use the overload with JsonTypeInfo when trimming.")]
    [RequiresDynamicCode("Serialises by reflection; use the overload with JsonTypeInfo for native AOT.")]
    public Task<TReply?> RequestAsync<TRequest, TReply>(string type, TRequest payload, CancellationToken cancellationToken = default) =>
        RequestAsync(type, payload, ReflectionTypeInfo.Get<TRequest>(_codec), ReflectionTypeInfo.Get<TReply>(_codec), cancellationToken);

    /// <summary>A connected session ended and another will follow: requests either fail now or are sent again.</summary>
    void ISessionHost.OnConnectionLost(DisconnectInfo info)
    {
        var resend = _requests.OnConnectionLost(new ConnectionClosedException("The connection was lost before the reply arrived: " + info + ".", info.Exception));
        foreach (var request in resend)
        {
            if (request.Written)
            {
                _ = ResendAsync(request);
            }
        }
    }

    /// <summary>Sends a pending request again; if that fails, the request fails with the cause instead of waiting for its timeout.</summary>
    private async Task ResendAsync(PendingRequest request)
    {
        try
        {
            await SendAsync(request.ResendPayload!, MessageKind.Text, SendOptions.Default, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MessageDeliveryException or ObjectDisposedException)
        {
            request.Reply.TrySetException(ex);
        }
    }
}
