using System.Globalization;

namespace RealtimeClient;

/// <summary>
/// One transition of <see cref="RealtimeConnection.State"/>, published on <see cref="RealtimeConnection.StateChanges"/>.
/// Apps can build one to unit-test their own handling.
/// </summary>
/// <param name="Previous">The state left.</param>
/// <param name="Current">The state entered.</param>
/// <param name="Timestamp">When the transition happened (from the connection's <see cref="TimeProvider"/>).</param>
public sealed record StateChange(ConnectionState Previous, ConnectionState Current, DateTimeOffset Timestamp)
{
    /// <summary>For <see cref="ConnectionState.Connecting"/>, <see cref="ConnectionState.Reconnecting"/> and <see cref="ConnectionState.Connected"/>: the 1-based number of the attempt (since the last connection that stayed up).</summary>
    public int Attempt { get; init; }

    /// <summary>For <see cref="ConnectionState.Reconnecting"/>: how long the connection waits before that attempt.</summary>
    public TimeSpan? RetryDelay { get; init; }

    /// <summary>How the previous connection or attempt ended, with its cause, when this change was caused by one.</summary>
    public DisconnectInfo? Disconnect { get; init; }

    /// <summary>For <see cref="ConnectionState.Closed"/>: why the connection closed for good.</summary>
    public CloseReason? CloseReason { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = $"{Previous} -> {Current}";
        if (Current is ConnectionState.Reconnecting or ConnectionState.Connecting)
        {
            text += $" (attempt {Attempt.ToString(CultureInfo.InvariantCulture)}{(RetryDelay is { } d ? $", in {d.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s" : string.Empty)})";
        }

        if (CloseReason is { } reason)
        {
            text += $" ({reason})";
        }

        return Disconnect is null ? text : $"{text}: {Disconnect.Cause}";
    }
}
