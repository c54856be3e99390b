namespace RealtimeClient;

/// <summary>Heartbeat and dead-connection detection.</summary>
public sealed record HeartbeatOptions
{
    /// <summary>How often the heartbeat goes out: protocol pings, and <see cref="Message"/> if set (default: 30 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the connection may go without a sign of life before it is declared dead, aborted and reconnected
    /// (default: 60 s; must be longer than <see cref="Interval"/>). With <see cref="Message"/> set, any inbound frame is a
    /// sign of life; without one, the pong to a protocol ping is (the transport's keep-alive timeout is derived from this).
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// An application message sent every <see cref="Interval"/>, such as <c>{"type":"heartbeat"}</c> (default:
    /// <see langword="null"/>, none). It is written directly, never queued.
    /// </summary>
    public string? Message { get; init; }

    /// <summary>Whether heartbeat and liveness checks run at all (default: <see langword="true"/>).</summary>
    public bool Enabled { get; init; } = true;

    internal bool SilenceCheckEnabled => Enabled && Message is not null;
}
