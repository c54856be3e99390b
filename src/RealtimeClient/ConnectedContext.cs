using System.Text;
using RealtimeClient.Internal;

namespace RealtimeClient;

/// <summary>
/// What the on-connected hook (<see cref="RealtimeOptions.OnConnected"/>) can do on a new socket before anything queued
/// goes out: send messages directly and await replies.
/// </summary>
public sealed class ConnectedContext
{
    private readonly Session _session;

    internal ConnectedContext(Session session, int attempt, bool isReconnect)
    {
        _session = session;
        Attempt = attempt;
        IsReconnect = isReconnect;
    }

    /// <summary>The 1-based attempt number that opened this socket.</summary>
    public int Attempt { get; }

    /// <summary>Whether the connection had been connected before (this is a reconnect).</summary>
    public bool IsReconnect { get; }

    /// <summary>Writes a text message now, ahead of everything queued.</summary>
    /// <param name="text">The message.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the message was written.</returns>
    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _session.WriteAsync(Encoding.UTF8.GetBytes(text), MessageKind.Text, cancellationToken);
    }

    /// <summary>Writes a binary message now, ahead of everything queued.</summary>
    /// <param name="data">The message.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the message was written.</returns>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        _session.WriteAsync(data, MessageKind.Binary, cancellationToken);

    /// <summary>
    /// Waits for the next inbound message (arriving after this call) that <paramref name="predicate"/> accepts. Messages
    /// still go to subscribers as usual.
    /// </summary>
    /// <remarks>Start the wait before sending the message whose reply you await: earlier messages are not seen.</remarks>
    /// <param name="predicate">Which message to wait for.</param>
    /// <param name="cancellationToken">Cancels the wait; the attempt's own timeout also ends it.</param>
    /// <returns>The message.</returns>
    public Task<InboundMessage> WaitForMessageAsync(Func<InboundMessage, bool> predicate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return _session.WaitForMessageAsync(predicate, null, cancellationToken);
    }

    /// <summary>
    /// Waits for the next inbound envelope of one of <paramref name="types"/> (read by the codec), for example
    /// <c>auth_success</c> or <c>auth_failed</c>.
    /// </summary>
    /// <remarks>
    /// Only messages arriving after the call are seen: start the wait before sending the message whose reply you await
    /// (<c>var reply = ctx.WaitForTypeAsync(...); await ctx.SendAsync(...); await reply;</c>).
    /// </remarks>
    /// <param name="types">The envelope types to wait for.</param>
    /// <param name="cancellationToken">Cancels the wait; the attempt's own timeout also ends it.</param>
    /// <returns>The message and its envelope type.</returns>
    public async Task<(string Type, InboundMessage Message)> WaitForTypeAsync(IReadOnlyCollection<string> types, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(types);
        string? matched = null;
        var message = await _session.WaitForMessageAsync(null, type =>
        {
            if (type is not null && types.Contains(type))
            {
                matched = type;
                return true;
            }

            return false;
        }, cancellationToken).ConfigureAwait(false);
        return (matched!, message);
    }
}
