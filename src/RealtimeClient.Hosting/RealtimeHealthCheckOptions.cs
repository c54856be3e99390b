namespace RealtimeClient.Hosting;

/// <summary>Settings of the connection health check (<c>AddRealtimeConnectionHealthCheck</c>).</summary>
public sealed record RealtimeHealthCheckOptions
{
    /// <summary>
    /// A connected connection reports <c>Degraded</c> when more messages than this wait in its outbound queue (default:
    /// 1,000, a tenth of the default <see cref="QueueOptions.MaxMessages"/>): the server or the network is not keeping up.
    /// </summary>
    public int DegradedQueueThreshold { get; init; } = 1000;
}
