namespace RealtimeClient;

/// <summary>How a connection or an attempt ended, as seen by the reconnect classification.</summary>
public enum DisconnectKind
{
    /// <summary>The attempt could not open a socket (DNS, TCP, TLS, a non-HTTP failure).</summary>
    ConnectFailed = 0,

    /// <summary>The attempt did not finish within <see cref="ReconnectOptions.ConnectTimeout"/>.</summary>
    ConnectTimeout = 1,

    /// <summary>The server answered the upgrade with an HTTP status (see <see cref="DisconnectInfo.HttpStatus"/>).</summary>
    HandshakeRejected = 2,

    /// <summary>The on-connected hook failed.</summary>
    OnConnectedFailed = 3,

    /// <summary>The server closed the connection with a close frame (see <see cref="DisconnectInfo.CloseStatus"/>).</summary>
    ServerClosed = 4,

    /// <summary>The connection dropped without a close frame, or a read or write failed.</summary>
    ConnectionLost = 5,

    /// <summary>Nothing arrived within the heartbeat timeout.</summary>
    HeartbeatTimeout = 6,

    /// <summary>An inbound message exceeded the maximum message size; the client closed with 1009.</summary>
    MessageTooLarge = 7,

    /// <summary>An inbound message matched the fatal-message rule.</summary>
    FatalMessage = 8,

    /// <summary>The app asked for a new connection with <see cref="RealtimeConnection.ReconnectAsync(CancellationToken)"/>.</summary>
    ReconnectRequested = 9,
}
