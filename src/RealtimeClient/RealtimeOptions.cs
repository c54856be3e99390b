namespace RealtimeClient;

/// <summary>
/// Everything a <see cref="RealtimeConnection"/> is built from. Immutable once the connection is created:
/// set it up with an object initializer.
/// </summary>
public sealed partial class RealtimeOptions
{
    /// <summary>The server address (<c>ws://</c> or <c>wss://</c>). Required unless <see cref="Uris"/> is set.</summary>
    public Uri? Uri { get; init; }

    /// <summary>
    /// Several server addresses: attempts rotate through them in order, starting again at the first after the last
    /// (default: empty, only <see cref="Uri"/>). When set, <see cref="Uri"/> is ignored.
    /// </summary>
    public IReadOnlyList<Uri> Uris { get; init; } = [];

    /// <summary>Headers sent with every handshake (default: none). Values are never logged.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Subprotocols offered with every handshake (default: none).</summary>
    public IReadOnlyList<string> SubProtocols { get; init; } = [];

    /// <summary>
    /// Opens the socket for each attempt (default: <see langword="null"/>, a <see cref="ClientWebSocketConnector"/> with
    /// <see cref="Transport"/> settings).
    /// </summary>
    public IWebSocketConnector? Connector { get; init; }

    /// <summary>
    /// Transport settings for the default connector (default: <see langword="null"/>: protocol pings every
    /// <see cref="HeartbeatOptions.Interval"/>, and when no application heartbeat message is configured, a pong timeout of
    /// <see cref="HeartbeatOptions.Timeout"/> minus the interval). Ignored when <see cref="Connector"/> is set.
    /// </summary>
    public ClientWebSocketConnectorOptions? Transport { get; init; }

    /// <summary>Authentication: the token provider and where its token goes (default: no token).</summary>
    public AuthenticationOptions Authentication { get; init; } = new();

    /// <summary>Reconnect behaviour (default: see <see cref="ReconnectOptions"/>).</summary>
    public ReconnectOptions Reconnect { get; init; } = new();

    /// <summary>Heartbeat and dead-connection detection (default: see <see cref="HeartbeatOptions"/>).</summary>
    public HeartbeatOptions Heartbeat { get; init; } = new();

    /// <summary>The outbound queue (default: see <see cref="QueueOptions"/>).</summary>
    public QueueOptions Queue { get; init; } = new();

    /// <summary>Acknowledged delivery and inbound de-duplication (default: see <see cref="AcknowledgementOptions"/>).</summary>
    public AcknowledgementOptions Acknowledgements { get; init; } = new();

    /// <summary>Request/response (default: see <see cref="RequestOptions"/>).</summary>
    public RequestOptions Requests { get; init; } = new();

    /// <summary>
    /// The largest inbound message, in bytes, assembled from its fragments (default: 1 MiB). A larger one closes the
    /// socket with 1009 (message too big), is reported on <see cref="RealtimeConnection.Errors"/>, and the connection
    /// reconnects.
    /// </summary>
    public int MaxMessageSize { get; init; } = 1024 * 1024;

    /// <summary>The receive buffer rented for each inbound message before it grows (default: 4 KiB).</summary>
    public int ReceiveBufferSize { get; init; } = 4 * 1024;

    /// <summary>
    /// How long <see cref="RealtimeConnection.StopAsync(CancellationToken)"/> waits for the server to answer the close
    /// handshake before aborting the socket; also bounds the close frame sent by
    /// <see cref="RealtimeConnection.DisposeAsync"/> (default: 5 s).
    /// </summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs on every new socket before anything queued goes out: authenticate, re-subscribe, await replies
    /// (default: <see langword="null"/>, none). Its failure counts as a failed attempt; throwing
    /// <see cref="FatalConnectionException"/> closes the connection for good. Bounded by
    /// <see cref="ReconnectOptions.ConnectTimeout"/> together with the socket's own handshake.
    /// </summary>
    public Func<ConnectedContext, CancellationToken, ValueTask>? OnConnected { get; init; }

    /// <summary>
    /// Envelope types (read by the codec) that end the connection for good when they arrive, after being delivered to
    /// subscribers; for the sample chat protocol, <c>kicked</c> and <c>auth_failed</c> (default: empty).
    /// </summary>
    public IReadOnlySet<string> FatalMessageTypes { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// A predicate over raw inbound messages that ends the connection for good when it returns <see langword="true"/>,
    /// for servers whose fatal messages are not envelopes (default: <see langword="null"/>, none). Called on the receive
    /// loop for every message: keep it cheap.
    /// </summary>
    public Func<InboundMessage, bool>? IsFatalMessage { get; init; }

    internal IReadOnlyList<Uri> EffectiveUris()
    {
        if (Uris.Count > 0)
        {
            return Uris;
        }

        return Uri is null ? throw new ArgumentException("RealtimeOptions.Uri or RealtimeOptions.Uris must be set.", "options") : [Uri];
    }

    internal void Validate()
    {
        foreach (var uri in EffectiveUris())
        {
            if (!uri.IsAbsoluteUri || (uri.Scheme != "ws" && uri.Scheme != "wss"))
            {
                throw new ArgumentException("Every server address must be an absolute ws:// or wss:// URI.", "options");
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageSize, 1, nameof(MaxMessageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveBufferSize, 16, nameof(ReceiveBufferSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(CloseTimeout, TimeSpan.Zero, nameof(CloseTimeout));
        Reconnect.Validate();
        Heartbeat.Validate();
        Queue.Validate();
        Acknowledgements.Validate();
    }
}
