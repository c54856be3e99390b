using System.Net.WebSockets;
using Polly;

namespace RealtimeClient;

/// <summary>How the connection comes back after an attempt fails or a connection drops.</summary>
public sealed class ReconnectOptions
{
    /// <summary>Whether to reconnect at all (default: <see langword="true"/>). Off: the first loss closes the connection.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// The delay before the first retry; later retries double it (default: 1 s). The retry after failed attempt n waits a
    /// random time in [c/2, c], where c = min(<see cref="MaxDelay"/>, InitialDelay × 2^(n−1)). The first retry after a
    /// connection that stayed up for <see cref="MinimumUptime"/> waits a random time in [0, InitialDelay] instead, so
    /// clients dropped together by a server restart do not all come back at once.
    /// </summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts (default: 30 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many consecutive attempts may fail before the connection closes for good with
    /// <see cref="CloseReason.AttemptsExhausted"/> (default: <see langword="null"/>, unlimited).
    /// </summary>
    public int? MaxAttempts { get; init; }

    /// <summary>
    /// How long a connection must stay up for the backoff to start again from the beginning (default: 10 s).
    /// A connection that drops sooner (flapping) keeps backing off.
    /// </summary>
    public TimeSpan MinimumUptime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt (socket handshake plus the on-connected hook) may take (default: 10 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether a first connection that fails is retried like any other (default: <see langword="true"/>), so messages sent
    /// before the server is up are delivered once it arrives. Off: the first failure closes with <see cref="CloseReason.NotRetried"/>.
    /// </summary>
    public bool RetryFirstConnect { get; init; } = true;

    /// <summary>
    /// Application close codes that mean retrying cannot help (default: empty). 1008 (policy violation) is always fatal
    /// under the default classification; 1000, 1001, 1006, 1011, 1012, 1013 and every other code retry.
    /// </summary>
    public IReadOnlySet<int> FatalCloseStatuses { get; init; } = new HashSet<int>();

    /// <summary>
    /// Replaces the default classification of how a connection or attempt ended: return <see langword="true"/> to retry,
    /// <see langword="false"/> to close for good with <see cref="CloseReason.NotRetried"/> (default: <see langword="null"/>,
    /// the documented default: see <see cref="IsRetryableByDefault"/>).
    /// </summary>
    public Func<DisconnectInfo, bool>? ShouldReconnect { get; init; }

    /// <summary>
    /// Replaces the built-in delay formula (default: <see langword="null"/>). Called with the 1-based number of failed
    /// attempts so far; return <see langword="null"/> to stop retrying (<see cref="CloseReason.AttemptsExhausted"/>).
    /// </summary>
    public Func<int, TimeSpan?>? DelayGenerator { get; init; }

    /// <summary>
    /// A Polly pipeline that drives the attempts instead of the built-in retry pipeline (default: <see langword="null"/>).
    /// Each execution of its callback is one attempt; a failed attempt throws <see cref="ConnectionAttemptException"/>,
    /// which its retry strategy must handle. When it rethrows, the connection closes with
    /// <see cref="CloseReason.AttemptsExhausted"/>. State changes then carry no <see cref="StateChange.RetryDelay"/>.
    /// </summary>
    public ResiliencePipeline? Pipeline { get; init; }

    /// <summary>
    /// The default classification: <see langword="false"/> for a 1008 close, a close with one of
    /// <paramref name="fatalCloseStatuses"/>, and a fatal message; <see langword="true"/> for everything else. (401 and 403
    /// handshakes are handled before this: one retry with a fresh token, then <see cref="CloseReason.AuthenticationFailed"/>.)
    /// </summary>
    /// <param name="info">How the connection or attempt ended.</param>
    /// <param name="fatalCloseStatuses">The application close codes that are fatal.</param>
    /// <returns>Whether to retry.</returns>
    public static bool IsRetryableByDefault(DisconnectInfo info, IReadOnlySet<int> fatalCloseStatuses)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(fatalCloseStatuses);
        return info.Kind switch
        {
            DisconnectKind.FatalMessage => false,
            DisconnectKind.ServerClosed when info.CloseStatus is WebSocketCloseStatus.PolicyViolation => false,
            DisconnectKind.ServerClosed when info.CloseStatus is { } status && fatalCloseStatuses.Contains((int)status) => false,
            _ => true,
        };
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialDelay, TimeSpan.Zero, nameof(InitialDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, InitialDelay, nameof(MaxDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        if (MaxAttempts is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(MaxAttempts));
        }
    }
}
