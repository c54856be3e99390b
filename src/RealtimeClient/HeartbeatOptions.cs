namespace RealtimeClient;

/// <summary>Heartbeat and dead-connection detection.</summary>
public sealed class HeartbeatOptions
{
    /// <summary>How often the heartbeat goes out: protocol pings, and <see cref="Message"/> if set (default: 30 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the connection may go without receiving anything before it is declared dead, aborted and reconnected
    /// (default: 60 s). Any inbound frame proves life. The connection's own silence check runs when <see cref="Message"/>
    /// is set (its reply keeps a quiet connection alive); without one, liveness rests on protocol ping/pong, whose pongs
    /// .NET does not surface, so the default transport aborts a socket whose pong is overdue instead.
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

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Interval, TimeSpan.Zero, nameof(Interval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(Timeout));
    }
}
