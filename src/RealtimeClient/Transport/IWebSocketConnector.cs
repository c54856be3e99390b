using System.Net.WebSockets;

namespace RealtimeClient;

/// <summary>
/// Opens the <see cref="WebSocket"/> for one connection attempt. The default is <see cref="ClientWebSocketConnector"/>;
/// tests substitute an in-memory one (RealtimeClient.Testing).
/// </summary>
public interface IWebSocketConnector
{
    /// <summary>
    /// Opens a socket for <paramref name="request"/>. The returned socket must be open (<see cref="WebSocketState.Open"/>).
    /// Report a handshake the server refuses with an HTTP status as <see cref="HandshakeRejectedException"/> and a server
    /// certificate that fails validation as <see cref="CertificateRejectedException"/>, so the reconnect classification
    /// can see them; anything else is a failed connect (its socket error, if any, is read from the exception chain).
    /// </summary>
    /// <param name="request">What to connect to and the per-attempt headers and subprotocols.</param>
    /// <param name="cancellationToken">Cancelled when the attempt times out or the connection is stopped or disposed.</param>
    /// <returns>The open socket.</returns>
    ValueTask<WebSocket> ConnectAsync(WebSocketConnectRequest request, CancellationToken cancellationToken);
}
