using Microsoft.Extensions.Logging;

namespace ConsoleChat.Server;

/// <summary>
/// Settings of the sample <see cref="ChatServer"/>. Every property states its default.
/// </summary>
public sealed record ChatServerOptions
{
    /// <summary>The TCP port to listen on, on 127.0.0.1 only (default: 0, a free port chosen by the OS).</summary>
    public int Port { get; init; }

    /// <summary>
    /// The heartbeat timeout of the protocol (default: 60 s). A connection from which no frame at all
    /// has arrived for 3 x this long is closed with 1001 ("idle timeout").
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns idle detection off.
    /// </summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long the client message ids seen for a user are remembered for de-duplication (default: 10 min).
    /// </summary>
    public TimeSpan DedupWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How many client message ids are remembered per user at most; the oldest are forgotten first (default: 10,000).
    /// </summary>
    public int DedupMaxIdsPerUser { get; init; } = 10_000;

    /// <summary>
    /// How many outgoing frames may wait for one connection (default: 1,024). A connection whose queue
    /// overflows is a slow or dead client: it is dropped (aborted) so that it cannot hold up anyone else.
    /// </summary>
    public int SendQueueCapacity { get; init; } = 1024;

    /// <summary>
    /// The largest client message accepted, in bytes (default: 1 MiB). A larger one closes the connection with 1009.
    /// </summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// How long the server waits for a peer to answer its close frame before it aborts the socket, and how long
    /// <see cref="ChatServer.StopAsync"/> waits for all connections to close (default: 5 s). Measured in real time.
    /// </summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether permessage-deflate is accepted when a client offers it (default: false).</summary>
    public bool EnableCompression { get; init; }

    /// <summary>
    /// The clock for timestamps, idle detection and the de-duplication window (default: <see cref="TimeProvider.System"/>).
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the server and Kestrel log (default: null, no logging at all).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 0, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
        if (HeartbeatTimeout != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatTimeout, TimeSpan.Zero, nameof(HeartbeatTimeout));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DedupWindow, TimeSpan.Zero, nameof(DedupWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(DedupMaxIdsPerUser, 1, nameof(DedupMaxIdsPerUser));
        ArgumentOutOfRangeException.ThrowIfLessThan(SendQueueCapacity, 1, nameof(SendQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 16, nameof(MaxMessageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CloseTimeout, TimeSpan.Zero, nameof(CloseTimeout));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
