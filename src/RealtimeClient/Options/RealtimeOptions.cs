using RealtimeClient.Outbox;
using RealtimeClient.Serialization;

namespace RealtimeClient;

/// <summary>
/// Everything a <see cref="RealtimeConnection"/> is built from: an immutable record, so a variant is one <c>with</c>
/// expression away. The connection validates it when it is created (see <see cref="Validate"/>).
/// </summary>
public sealed record RealtimeOptions
{
    /// <summary>The server address (<c>ws://</c> or <c>wss://</c>). Required unless <see cref="Uris"/> is set (default: <see langword="null"/>).</summary>
    public Uri? Uri { get; init; }

    /// <summary>
    /// Several server addresses: attempts rotate through them in order, starting again at the first after the last
    /// (default: empty, only <see cref="Uri"/>). When set, <see cref="Uri"/> is ignored.
    /// </summary>
    public IReadOnlyList<Uri> Uris { get; init; } = [];

    /// <summary>Headers sent with every handshake (default: none). Values are never logged.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Subprotocols offered with every handshake, in order of preference (default: none).</summary>
    public IReadOnlyList<string> SubProtocols { get; init; } = [];

    /// <summary>
    /// Opens the socket for each attempt (default: <see langword="null"/>, a <see cref="ClientWebSocketConnector"/> with the
    /// <see cref="Transport"/> settings).
    /// </summary>
    public IWebSocketConnector? Connector { get; init; }

    /// <summary>Settings of the default connector (default: see <see cref="TransportOptions"/>). Ignored when <see cref="Connector"/> is set.</summary>
    public TransportOptions Transport { get; init; } = new();

    /// <summary>Authentication: the token provider and where its token goes (default: no token).</summary>
    public AuthenticationOptions Authentication { get; init; } = new();

    /// <summary>How the connection comes back (default: see <see cref="ReconnectOptions"/>).</summary>
    public ReconnectOptions Reconnect { get; init; } = new();

    /// <summary>Heartbeat and dead-connection detection (default: see <see cref="HeartbeatOptions"/>).</summary>
    public HeartbeatOptions Heartbeat { get; init; } = new();

    /// <summary>The outbound queue (default: see <see cref="QueueOptions"/>).</summary>
    public QueueOptions Queue { get; init; } = new();

    /// <summary>Acknowledged delivery, refusals and inbound de-duplication (default: see <see cref="AcknowledgementOptions"/>).</summary>
    public AcknowledgementOptions Acknowledgements { get; init; } = new();

    /// <summary>Request/response (default: see <see cref="RequestOptions"/>).</summary>
    public RequestOptions Requests { get; init; } = new();

    /// <summary>How inbound messages reach subscribers (default: see <see cref="DispatchOptions"/>).</summary>
    public DispatchOptions Dispatch { get; init; } = new();

    /// <summary>Metrics and traces (default: see <see cref="TelemetryOptions"/>).</summary>
    public TelemetryOptions Telemetry { get; init; } = new();

    /// <summary>
    /// The largest inbound message, in bytes, assembled from its fragments (default: 1 MiB). A larger one closes the
    /// socket with 1009 (message too big) and the connection reconnects; the close frame is followed by a short drain so
    /// the server really receives it.
    /// </summary>
    public int MaxInboundMessageSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// The largest outbound message, in bytes, checked before a message is queued: a larger send fails at once with
    /// <see cref="DeliveryFailureReason.TooLarge"/> (default: <see langword="null"/>, no limit but
    /// <see cref="QueueOptions.MaxBytes"/>). Set it to the server's own limit to fail such sends before they reach it.
    /// </summary>
    public int? MaxOutboundMessageSize { get; init; }

    /// <summary>The receive buffer rented for each inbound message before it grows (default: 4 KiB).</summary>
    public int ReceiveBufferSize { get; init; } = 4 * 1024;

    /// <summary>
    /// How long <see cref="RealtimeConnection.StopAsync"/> waits for a write under way and for the server's answer to the
    /// close handshake before aborting the socket (default: 5 s). <see cref="RealtimeConnection.DisposeAsync"/> never waits
    /// longer than the shorter of this and 1 s.
    /// </summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs on every new socket before anything queued goes out: authenticate, re-subscribe, await replies
    /// (default: <see langword="null"/>, none). Its failure counts as a failed attempt; throwing
    /// <see cref="FatalConnectionException"/> closes the connection for good. Bounded by
    /// <see cref="ReconnectOptions.ConnectTimeout"/> together with the socket's own handshake, also when it ignores its token.
    /// </summary>
    public Func<ConnectedContext, CancellationToken, ValueTask>? OnConnected { get; init; }

    /// <summary>
    /// Envelope types that end the connection for good when they arrive, after being delivered to subscribers; for the
    /// sample chat protocol, <c>kicked</c> and <c>auth_failed</c> (default: empty).
    /// </summary>
    public IReadOnlyList<string> FatalMessageTypes { get; init; } = [];

    /// <summary>
    /// A predicate over raw inbound messages that ends the connection for good when it returns <see langword="true"/>, for
    /// servers whose fatal messages are not envelopes (default: <see langword="null"/>, none). Called on the receive loop
    /// for every message: keep it cheap. A predicate that throws is reported on <see cref="IRealtimeConnection.Errors"/>
    /// (<see cref="ErrorKind.SubscriberFailed"/>) and the message is taken as not fatal.
    /// </summary>
    public Func<InboundMessage, bool>? IsFatalMessage { get; init; }

    /// <summary>
    /// Where an envelope keeps its type, id and payload (default: <see langword="null"/>, <see cref="JsonEnvelopeFormat.Default"/>:
    /// <c>{"type": ..., "id": ..., "data": ...}</c> in text messages).
    /// </summary>
    public IEnvelopeFormat? EnvelopeFormat { get; init; }

    /// <summary>
    /// Turns payloads into bytes and back for typed sends, <c>On&lt;T&gt;</c>, <c>ReadAllAsync&lt;T&gt;</c> and requests (default:
    /// <see langword="null"/>, <see cref="SystemTextJsonSerializer.Default"/>, web defaults with reflection). Apps that trim
    /// or compile ahead of time pass <c>new SystemTextJsonSerializer(MyJsonContext.Default)</c>.
    /// </summary>
    public IPayloadSerializer? Serializer { get; init; }

    /// <summary>
    /// Durable storage for sends made with <see cref="SendOptions.Durable"/>, so they survive a crash or restart of the app
    /// (default: <see langword="null"/>, none: durable sends fail with <see cref="ArgumentException"/>). The connection owns
    /// the store from then on and disposes it with itself.
    /// </summary>
    public IOutboxStore? Outbox { get; init; }

    /// <summary>Checks every setting; throws one <see cref="ArgumentException"/> that names each bad option and its value.</summary>
    /// <exception cref="ArgumentException">At least one option is invalid.</exception>
    public void Validate()
    {
        var errors = GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid RealtimeOptions: " + string.Join(" ", errors), "options");
        }
    }

    /// <summary>Checks every setting and returns what is wrong, one sentence per problem naming the option and its value.</summary>
    /// <returns>The problems; empty when the options are valid.</returns>
    public IReadOnlyList<string> GetValidationErrors() => OptionsValidator.Validate(this);

    internal IReadOnlyList<Uri> EffectiveUris() => Uris is { Count: > 0 } ? Uris : Uri is null ? [] : [Uri];
}
