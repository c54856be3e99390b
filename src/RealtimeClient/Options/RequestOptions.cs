namespace RealtimeClient;

/// <summary>Request/response over the connection (<see cref="RealtimeConnection.RequestAsync{TRequest, TReply}"/>).</summary>
public sealed record RequestOptions
{
    /// <summary>How long a request waits for its reply before failing with <see cref="TimeoutException"/> (default: 30 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether a request that was written but not answered when the connection dropped is written again on the next
    /// connection (default: <see langword="false"/>: it fails with <see cref="ConnectionClosedException"/>, because the
    /// server may have acted on it). A request that was never written is never failed by a drop: it goes out on the next
    /// connection either way.
    /// </summary>
    public bool ResendOnReconnect { get; init; }
}
