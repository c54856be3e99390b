using System.Net;

namespace RealtimeClient;

/// <summary>The server answered the WebSocket upgrade request with an HTTP status other than 101.</summary>
public sealed class HandshakeRejectedException : Exception
{
    /// <summary>Creates the exception for <paramref name="statusCode"/>.</summary>
    /// <param name="statusCode">The HTTP status the server answered with.</param>
    /// <param name="innerException">The transport's own exception, if any.</param>
    public HandshakeRejectedException(HttpStatusCode statusCode, Exception? innerException = null)
        : base($"The server refused the WebSocket handshake with HTTP {(int)statusCode} ({statusCode}).", innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status the server answered with.</summary>
    public HttpStatusCode StatusCode { get; }
}
