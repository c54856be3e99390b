using System.Text;
using RealtimeClient.Buffers;
using RealtimeClient.Outbound;
using RealtimeClient.Serialization;
using RealtimeClient.Transport;

namespace RealtimeClient;

/// <summary>
/// What the on-connected hook (<see cref="RealtimeOptions.OnConnected"/>) can do on a new socket before anything queued
/// goes out: send messages directly and await replies.
/// </summary>
public sealed class ConnectedContext
{
    private readonly SocketSession _session;
    private readonly OutboundChannel _outbound;
    private readonly IEnvelopeFormat _format;
    private readonly IPayloadSerializer _serializer;

    internal ConnectedContext(SocketSession session, OutboundChannel outbound, IEnvelopeFormat format, IPayloadSerializer serializer, int attempt, bool isReconnect)
    {
        _session = session;
        _outbound = outbound;
        _format = format;
        _serializer = serializer;
        Attempt = attempt;
        IsReconnect = isReconnect;
    }

    /// <summary>The 1-based attempt number that opened this socket.</summary>
    public int Attempt { get; }

    /// <summary>Whether the connection had been connected before since it was started (this is a reconnect).</summary>
    public bool IsReconnect { get; }

    /// <summary>The subprotocol the server chose, or <see langword="null"/>.</summary>
    public string? SubProtocol => _session.Socket.SubProtocol;

    /// <summary>Writes a text message now, ahead of everything queued.</summary>
    /// <param name="text">The message.</param>
    /// <param name="cancellationToken">Cancels the write (cancelling a write under way aborts the socket, and the attempt fails).</param>
    /// <returns>Completes when the message was written.</returns>
    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _outbound.WriteNowAsync(Encoding.UTF8.GetBytes(text), MessageKind.Text, cancellationToken);
    }

    /// <summary>Writes a binary message now, ahead of everything queued.</summary>
    /// <param name="data">The message.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the message was written.</returns>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        _outbound.WriteNowAsync(data, MessageKind.Binary, cancellationToken);

    /// <summary>Writes one envelope of <paramref name="type"/> now (the connection's envelope format and serializer), ahead of everything queued.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the message was written.</returns>
    public async ValueTask SendAsync<T>(string type, T payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        RentedBuffer bytes;
        using (var writer = new PooledBufferWriter())
        {
            _format.WriteEnvelope(writer, type, null, payload, _serializer);
            bytes = writer.Detach();
        }

        try
        {
            await _outbound.WriteNowAsync(bytes.Memory, _format.MessageKind, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            bytes.Return();
        }
    }

    /// <summary>
    /// Waits for the next inbound message (arriving after this call) that <paramref name="predicate"/> accepts. Messages
    /// still go to subscribers as usual. Start the wait before sending the message whose reply you await.
    /// </summary>
    /// <param name="predicate">Which message to wait for.</param>
    /// <param name="cancellationToken">Cancels the wait; the attempt's own timeout also ends it.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ConnectionClosedException">The socket ended first.</exception>
    public async Task<InboundMessage> WaitForMessageAsync(Func<InboundMessage, bool> predicate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var (_, message) = await _session.Waiters.WaitAsync(predicate, null, cancellationToken).ConfigureAwait(false);
        return message;
    }

    /// <summary>
    /// Waits for the next inbound envelope of one of <paramref name="types"/>, for example <c>auth_success</c> or
    /// <c>auth_failed</c>. Only messages arriving after the call are seen: start the wait before sending the message whose
    /// reply you await (<c>var reply = ctx.WaitForTypeAsync(...); await ctx.SendAsync(...); await reply;</c>).
    /// </summary>
    /// <param name="types">The envelope types to wait for.</param>
    /// <param name="cancellationToken">Cancels the wait; the attempt's own timeout also ends it.</param>
    /// <returns>The matching envelope type and the message.</returns>
    /// <exception cref="ConnectionClosedException">The socket ended first.</exception>
    public async Task<(string Type, InboundMessage Message)> WaitForTypeAsync(IReadOnlyCollection<string> types, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(types);
        var (type, message) = await _session.Waiters.WaitAsync(null, types.Contains, cancellationToken).ConfigureAwait(false);
        return (type!, message);
    }
}
