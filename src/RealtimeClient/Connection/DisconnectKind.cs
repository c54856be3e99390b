namespace RealtimeClient;

/// <summary>How a connection or an attempt ended, as seen by the reconnect classification.</summary>
public enum DisconnectKind
{
    /// <summary>The attempt could not open a socket: DNS, TCP, a failure other than the ones below (see <see cref="DisconnectInfo.SocketError"/>).</summary>
    ConnectFailed = 0,

    /// <summary>The attempt did not finish within <see cref="ReconnectOptions.ConnectTimeout"/>.</summary>
    ConnectTimeout = 1,

    /// <summary>The server answered the upgrade with an HTTP status (see <see cref="DisconnectInfo.HttpStatus"/>).</summary>
    HandshakeRejected = 2,

    /// <summary>The server's TLS certificate failed validation (see <see cref="DisconnectInfo.CertificateErrors"/>).</summary>
    CertificateRejected = 3,

    /// <summary>The token provider threw.</summary>
    TokenProviderFailed = 4,

    /// <summary>The on-connected hook failed.</summary>
    OnConnectedFailed = 5,

    /// <summary>The server closed the connection with a close frame (see <see cref="DisconnectInfo.CloseStatus"/>).</summary>
    ServerClosed = 6,

    /// <summary>The connection dropped without a close frame, or a read or write failed.</summary>
    ConnectionLost = 7,

    /// <summary>No sign of life within the heartbeat timeout (no frame at all, or no pong to a protocol ping).</summary>
    HeartbeatTimeout = 8,

    /// <summary>An inbound message exceeded <see cref="RealtimeOptions.MaxInboundMessageSize"/>; the client closed with 1009.</summary>
    MessageTooLarge = 9,

    /// <summary>An inbound text message was not valid UTF-8; the client closed with 1007.</summary>
    InvalidMessage = 10,

    /// <summary>An inbound message matched the fatal-message rule.</summary>
    FatalMessage = 11,

    /// <summary>The app asked for a new connection with <see cref="RealtimeConnection.ReconnectAsync"/>.</summary>
    ReconnectRequested = 12,

    /// <summary>The app stopped or disposed the connection.</summary>
    ClosedByClient = 13,

    /// <summary>The <see cref="RealtimeOptions.Outbox"/> could not be opened at start (see <see cref="DisconnectInfo.Exception"/>).</summary>
    OutboxFailed = 14,
}
