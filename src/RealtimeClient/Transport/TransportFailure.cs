using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;

namespace RealtimeClient.Transport;

/// <summary>
/// The one place transport exceptions are recognised, classified and sanitised: which exceptions mean "the socket
/// failed", what cause a failed connect had (socket error, certificate, HTTP status), and an exception to show for it
/// whose message holds the cause and never the address, its query string or a header value.
/// </summary>
internal static class TransportFailure
{
    /// <summary>Whether <paramref name="ex"/> is how a socket reports that it failed or was closed under an operation.</summary>
    public static bool IsSocketFailure(Exception ex) =>
        ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException or SocketException;

    /// <summary>
    /// Whether a write that failed with <paramref name="ex"/> may have put bytes on the network: false only when the socket
    /// refused the write before it began (already closed, aborted or disposed), which the runtime's WebSocket reports as
    /// <see cref="WebSocketError.InvalidState"/> or <see cref="ObjectDisposedException"/>.
    /// </summary>
    public static bool WriteMayHaveLeft(Exception ex) =>
        ex is not (ObjectDisposedException or WebSocketException { WebSocketErrorCode: WebSocketError.InvalidState });

    /// <summary>How a connect attempt that threw <paramref name="ex"/> ended, with its cause.</summary>
    public static DisconnectInfo ForConnectFailure(Exception ex)
    {
        switch (ex)
        {
            case HandshakeRejectedException rejected:
                return new DisconnectInfo(DisconnectKind.HandshakeRejected) { HttpStatus = rejected.StatusCode, Exception = rejected };
            case CertificateRejectedException certificate:
                return new DisconnectInfo(DisconnectKind.CertificateRejected)
                {
                    CertificateErrors = certificate.Errors,
                    CertificateChainStatus = certificate.ChainStatus,
                    Exception = certificate,
                };
        }

        if (Find<AuthenticationException>(ex) is not null)
        {
            // A custom connector's TLS failure: the errors are unknown, the kind is not.
            return new DisconnectInfo(DisconnectKind.CertificateRejected) { Exception = new CertificateRejectedException("The server's certificate was rejected (TLS authentication failed).") };
        }

        var sanitized = ex is WebSocketException { InnerException: SocketException or null } own && own.Message.StartsWith("Connecting failed", StringComparison.Ordinal)
            ? own
            : SanitizeConnectFailure(ex);
        return new DisconnectInfo(DisconnectKind.ConnectFailed) { SocketError = FindSocketError(ex), Exception = sanitized };
    }

    /// <summary>An exception for a failed connect that says its cause and keeps the socket error, without any message that could hold the address.</summary>
    public static WebSocketException SanitizeConnectFailure(Exception ex)
    {
        var error = FindSocketError(ex);
        var cause = error is { } e ? new DisconnectInfo(DisconnectKind.ConnectFailed) { SocketError = e }.Cause : ex.GetType().Name;
        return new WebSocketException(WebSocketError.Faulted, $"Connecting failed: {cause}.", error is { } code ? new SocketException((int)code) : null);
    }

    /// <summary>The socket error anywhere in the chain (aggregates included), or what an HTTP failure says about name resolution.</summary>
    public static SocketError? FindSocketError(Exception ex)
    {
        if (Find<SocketException>(ex) is { } socket)
        {
            return socket.SocketErrorCode;
        }

        return Find<HttpRequestException>(ex)?.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => SocketError.HostNotFound,
            _ => null,
        };
    }

    /// <summary>The first exception of type <typeparamref name="T"/> in the chain, aggregates included.</summary>
    public static T? Find<T>(Exception? ex)
        where T : Exception
    {
        for (var depth = 0; ex is not null && depth < 16; depth++)
        {
            if (ex is T found)
            {
                return found;
            }

            if (ex is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (Find<T>(inner) is { } nested)
                    {
                        return nested;
                    }
                }

                return null;
            }

            ex = ex.InnerException;
        }

        return null;
    }

    /// <summary>
    /// Whether the runtime's keep-alive aborted the socket because a pong did not come in time: the receive then fails
    /// with an <see cref="OperationCanceledException"/> ("Aborted") over a <see cref="WebSocketException"/> about the pong.
    /// </summary>
    public static bool IsMissedPong(Exception ex) =>
        Find<WebSocketException>(ex) is { } ws && ws.Message.Contains("Pong", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a receive failed because a text message was not valid UTF-8. The managed WebSocket validates text itself: it
    /// sends close 1007 and throws a bare <see cref="WebSocketError.Faulted"/> exception (no message of its own, no inner
    /// exception), unlike its protocol errors (which carry a message) and transport failures (which carry the cause).
    /// </summary>
    public static bool IsInvalidUtf8(Exception ex) =>
        ex is WebSocketException wse
        && (wse.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase)
            || (wse.WebSocketErrorCode == WebSocketError.Faulted && wse.InnerException is null
                && string.Equals(wse.Message, BareFaultedMessage, StringComparison.Ordinal)));

    /// <summary>The message of a <see cref="WebSocketError.Faulted"/> exception created without one (the runtime's own text, in its culture).</summary>
    private static readonly string BareFaultedMessage = new WebSocketException(WebSocketError.Faulted).Message;
}
