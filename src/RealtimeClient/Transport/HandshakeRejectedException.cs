using System.Net;

namespace RealtimeClient;

/// <summary>The server answered the WebSocket upgrade request with an HTTP status other than 101.</summary>
public sealed class HandshakeRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HandshakeRejectedException()
        : this(HttpStatusCode.BadRequest)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public HandshakeRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public HandshakeRejectedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="statusCode"/>.</summary>
    /// <param name="statusCode">The HTTP status the server answered with.</param>
    /// <param name="innerException">The transport's own exception, if any (its message must not hold the address).</param>
    public HandshakeRejectedException(HttpStatusCode statusCode, Exception? innerException = null)
        : base($"The server refused the WebSocket handshake with HTTP {(int)statusCode} ({statusCode}).", innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status the server answered with.</summary>
    public HttpStatusCode StatusCode { get; }
}
