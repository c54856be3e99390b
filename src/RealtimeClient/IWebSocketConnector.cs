using System.Net.WebSockets;

namespace RealtimeClient;

/// <summary>
/// Opens the <see cref="WebSocket"/> for one connection attempt. The default is
/// <see cref="ClientWebSocketConnector"/>; tests substitute an in-memory implementation.
/// </summary>
public interface IWebSocketConnector
{
    /// <summary>
    /// Opens a socket for <paramref name="request"/>. The returned socket must be open
    /// (<see cref="WebSocketState.Open"/>). A handshake the server refuses with an HTTP status must be reported as
    /// <see cref="HandshakeRejectedException"/> so the reconnect classification can see the status.
    /// </summary>
    /// <param name="request">What to connect to and the per-attempt headers and subprotocols.</param>
    /// <param name="cancellationToken">Cancelled when the attempt times out or the connection is stopped or disposed.</param>
    ValueTask<WebSocket> ConnectAsync(WebSocketConnectRequest request, CancellationToken cancellationToken);
}
