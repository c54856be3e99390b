using System.Net.WebSockets;

namespace RealtimeClient;

/// <summary>Settings of the default connector (<see cref="ClientWebSocketConnector"/>), applied to every attempt.</summary>
public sealed record TransportOptions
{
    /// <summary>
    /// The interval of protocol-level pings (default: <see langword="null"/>, <see cref="HeartbeatOptions.Interval"/>;
    /// <see cref="TimeSpan.Zero"/> turns them off). Set it only to override the heartbeat.
    /// </summary>
    public TimeSpan? KeepAliveInterval { get; init; }

    /// <summary>
    /// How long to wait for the pong to a protocol ping before the socket is declared dead (default: <see langword="null"/>,
    /// <see cref="HeartbeatOptions.Timeout"/> minus <see cref="HeartbeatOptions.Interval"/>, so a server that stops answering
    /// pings is detected within the heartbeat timeout). A missing pong is reported as
    /// <see cref="DisconnectKind.HeartbeatTimeout"/>. Set it only to override the heartbeat.
    /// </summary>
    public TimeSpan? KeepAliveTimeout { get; init; }

    /// <summary>Per-message deflate to offer to the server (default: <see langword="null"/>, not offered).</summary>
    public WebSocketDeflateOptions? Deflate { get; init; }

    /// <summary>
    /// Called on every attempt's <see cref="ClientWebSocketOptions"/> after the other settings, for anything else: a proxy,
    /// client certificates, a <see cref="ClientWebSocketOptions.RemoteCertificateValidationCallback"/> for pinning or a
    /// private certificate authority (default: <see langword="null"/>). Certificate failures are still reported with their cause.
    /// </summary>
    public Action<ClientWebSocketOptions>? Configure { get; init; }
}
