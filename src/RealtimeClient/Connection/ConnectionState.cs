namespace RealtimeClient;

/// <summary>The public state of a <see cref="RealtimeConnection"/>.</summary>
public enum ConnectionState
{
    /// <summary>Not started yet.</summary>
    Disconnected = 0,

    /// <summary>The first connection attempt after a start is under way.</summary>
    Connecting = 1,

    /// <summary>A socket is open and the on-connected hook has finished: messages flow.</summary>
    Connected = 2,

    /// <summary>The connection was lost or an attempt failed; the next attempt is waiting or under way.</summary>
    Reconnecting = 3,

    /// <summary>Closed for good: stopped by the app, disposed, or retrying cannot help (see <see cref="StateChange.CloseReason"/>).</summary>
    Closed = 4,
}
