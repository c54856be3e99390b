namespace RealtimeClient;

/// <summary>
/// Decides, once per attempt, how long the connection waits before it, or that it stops trying. The app-facing seam of
/// reconnecting; the default is <see cref="DefaultReconnectPolicy"/>. Asked only for ends worth retrying: fatal close
/// codes, fatal messages, refused certificates and failed authentication close the connection before it is asked.
/// </summary>
public interface IReconnectPolicy
{
    /// <summary>The delay before the attempt described by <paramref name="context"/>, or <see langword="null"/> to stop (the connection then closes with <see cref="CloseReason.AttemptsExhausted"/>).</summary>
    /// <param name="context">The attempt about to be made and what ended the previous one.</param>
    /// <returns>The delay (whole milliseconds are waited exactly), or <see langword="null"/> to stop.</returns>
    TimeSpan? NextDelay(ReconnectContext context);
}

/// <summary>What a <see cref="IReconnectPolicy"/> is told before each attempt. Apps can build one to test their own policy.</summary>
/// <param name="Attempt">
/// The 1-based number of the attempt about to be made, counted since the last connection that stayed up for
/// <see cref="ReconnectOptions.MinimumUptime"/> (1: the first retry after such a connection dropped; a connection that
/// dropped sooner counts as a failed attempt).
/// </param>
/// <param name="LastDisconnect">How the previous connection or attempt ended, with its cause.</param>
public sealed record ReconnectContext(int Attempt, DisconnectInfo LastDisconnect)
{
    /// <summary>How long the connection has been trying: since the outage began, or since the start when it never connected.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>How long the last connection stayed up; zero when the previous end was a failed attempt.</summary>
    public TimeSpan LastConnectionUpTime { get; init; }

    /// <summary>Whether the connection was ever connected since it was started.</summary>
    public bool WasConnected { get; init; }
}
