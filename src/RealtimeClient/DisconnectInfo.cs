using System.Net;
using System.Net.WebSockets;

namespace RealtimeClient;

/// <summary>How a connection or an attempt ended: the input of the reconnect classification.</summary>
public sealed class DisconnectInfo
{
    internal DisconnectInfo(DisconnectKind kind, WebSocketCloseStatus? closeStatus = null, string? closeDescription = null,
        HttpStatusCode? httpStatus = null, Exception? exception = null, string? messageType = null, TimeSpan upTime = default)
    {
        Kind = kind;
        CloseStatus = closeStatus;
        CloseDescription = closeDescription;
        HttpStatus = httpStatus;
        Exception = exception;
        MessageType = messageType;
        UpTime = upTime;
    }

    /// <summary>What happened.</summary>
    public DisconnectKind Kind { get; }

    /// <summary>The close status the server sent, for <see cref="DisconnectKind.ServerClosed"/>.</summary>
    public WebSocketCloseStatus? CloseStatus { get; }

    /// <summary>The close description the server sent, if any.</summary>
    public string? CloseDescription { get; }

    /// <summary>The HTTP status of a refused handshake, for <see cref="DisconnectKind.HandshakeRejected"/>.</summary>
    public HttpStatusCode? HttpStatus { get; }

    /// <summary>The exception behind the end, if any.</summary>
    public Exception? Exception { get; }

    /// <summary>The envelope type of a fatal message, for <see cref="DisconnectKind.FatalMessage"/>.</summary>
    public string? MessageType { get; }

    /// <summary>How long the connection had been connected; zero for a failed attempt.</summary>
    public TimeSpan UpTime { get; }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        DisconnectKind.ServerClosed => $"server closed with {(int?)CloseStatus} {CloseDescription}".TrimEnd(),
        DisconnectKind.HandshakeRejected => $"handshake refused with HTTP {(int?)HttpStatus}",
        DisconnectKind.FatalMessage => $"fatal message '{MessageType}'",
        _ => Exception is null ? Kind.ToString() : $"{Kind}: {Exception.GetType().Name}: {Exception.Message}",
    };
}
