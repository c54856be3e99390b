namespace RealtimeClient;

/// <summary>Request/response over the connection (<see cref="RealtimeConnection"/>'s <c>RequestAsync</c>).</summary>
public sealed class RequestOptions
{
    /// <summary>How long a request waits for its reply before failing with <see cref="TimeoutException"/> (default: 30 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether a request still waiting when the connection drops is sent again on the next connection (default:
    /// <see langword="false"/>: it fails with <see cref="ConnectionClosedException"/> as soon as the connection drops,
    /// because the server may have acted on it).
    /// </summary>
    public bool ResendOnReconnect { get; init; }
}
