namespace RealtimeClient;

/// <summary>One transition of <see cref="RealtimeConnection.State"/>, published on <see cref="RealtimeConnection.StateChanges"/>.</summary>
public sealed class StateChange
{
    internal StateChange(ConnectionState previous, ConnectionState current, DateTimeOffset timestamp, int attempt = 0,
        TimeSpan? retryDelay = null, DisconnectInfo? disconnect = null, CloseReason? closeReason = null)
    {
        Previous = previous;
        Current = current;
        Timestamp = timestamp;
        Attempt = attempt;
        RetryDelay = retryDelay;
        Disconnect = disconnect;
        CloseReason = closeReason;
    }

    /// <summary>The state left.</summary>
    public ConnectionState Previous { get; }

    /// <summary>The state entered.</summary>
    public ConnectionState Current { get; }

    /// <summary>When the transition happened (from the connection's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>For <see cref="ConnectionState.Connecting"/> and <see cref="ConnectionState.Reconnecting"/>: the 1-based number of the attempt about to be made.</summary>
    public int Attempt { get; }

    /// <summary>For <see cref="ConnectionState.Reconnecting"/>: how long the connection waits before that attempt, when known.</summary>
    public TimeSpan? RetryDelay { get; }

    /// <summary>How the previous connection or attempt ended (close status and description, HTTP status, exception), if this change was caused by one.</summary>
    public DisconnectInfo? Disconnect { get; }

    /// <summary>For <see cref="ConnectionState.Closed"/>: why the connection closed for good.</summary>
    public CloseReason? CloseReason { get; }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = $"{Previous} -> {Current}";
        if (Current is ConnectionState.Reconnecting or ConnectionState.Connecting)
        {
            text += $" (attempt {Attempt}{(RetryDelay is { } d ? $", in {d.TotalSeconds:0.###} s" : string.Empty)})";
        }

        if (CloseReason is { } reason)
        {
            text += $" ({reason})";
        }

        return Disconnect is null ? text : $"{text}: {Disconnect}";
    }
}
