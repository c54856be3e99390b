using RealtimeClient.Serialization;

namespace RealtimeClient;

/// <summary>
/// What an app calls on a connection: lifecycle, sends, requests and streams. <see cref="RealtimeConnection"/> implements
/// it; an app's own unit tests can substitute it (for example with NSubstitute), or use the in-memory server of the
/// RealtimeClient.Testing package with a real connection.
/// </summary>
public interface IRealtimeConnection : IAsyncDisposable
{
    /// <summary>The current state.</summary>
    ConnectionState State { get; }

    /// <summary>Every state change, in order, with the cause of each disconnect; a new subscriber first receives the latest change.</summary>
    IObservable<StateChange> StateChanges { get; }

    /// <summary>Problems the connection survived that are not state changes: bad inbound data, throwing subscribers, dropped messages.</summary>
    IObservable<RealtimeError> Errors { get; }

    /// <summary>Every inbound message, raw.</summary>
    IObservable<InboundMessage> Messages { get; }

    /// <summary>Every inbound message that reads as an envelope.</summary>
    IObservable<Envelope> Envelopes { get; }

    /// <summary>Envelopes of a type no typed stream observes.</summary>
    IObservable<Envelope> Unhandled { get; }

    /// <summary>The number of messages waiting in the outbound queue (not yet written).</summary>
    int PendingCount { get; }

    /// <summary>The bytes waiting in the outbound queue.</summary>
    long PendingBytes { get; }

    /// <summary>The number of acknowledged-delivery messages written but not yet acknowledged.</summary>
    int UnacknowledgedCount { get; }

    /// <summary>The subprotocol the server chose for the current socket, or <see langword="null"/>.</summary>
    string? SubProtocol { get; }

    /// <summary>The outcomes of durable messages held from before this start (empty without an outbox).</summary>
    IObservable<Outbox.DeliveryReport> RecoveredDeliveries { get; }

    /// <summary>The payloads of inbound messages of <paramref name="type"/>, read with the connection's serializer.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type, matched exactly.</param>
    /// <returns>A hot stream of payloads.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "On<T>(type) is the name the design and every sample use; VB callers can write [On].")]
    IObservable<T> On<T>(string type);

    /// <summary>The payloads of inbound messages of <paramref name="type"/> as an async stream.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type, matched exactly.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <returns>The payloads, in arrival order.</returns>
    IAsyncEnumerable<T> ReadAllAsync<T>(string type, CancellationToken cancellationToken = default);

    /// <summary>Starts connecting in the background.</summary>
    void Start();

    /// <summary>Starts and waits until connected.</summary>
    /// <param name="cancellationToken">Abandons the start (the connection is stopped).</param>
    /// <returns>Completes when connected.</returns>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits until connected.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Completes when connected.</returns>
    Task WaitUntilConnectedAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces the socket now (or cuts a backoff wait short) and waits until connected again.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Completes when connected again.</returns>
    Task ReconnectAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops the connection (close handshake, bounded); pending sends fail.</summary>
    /// <param name="cancellationToken">Cuts the close handshake short.</param>
    /// <returns>Completes when stopped.</returns>
    Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits until nothing is queued or unacknowledged, up to <paramref name="timeout"/>.</summary>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Whether it drained in time.</returns>
    Task<bool> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Sends <paramref name="payload"/> as one envelope of <paramref name="type"/>; completes with its outcome.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="options">Delivery settings.</param>
    /// <param name="cancellationToken">Cancels the send while it waits.</param>
    /// <returns>The outcome.</returns>
    ValueTask SendAsync<T>(string type, T payload, SendOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Accepts a typed envelope for delivery (queued; durable sends written to the outbox) and returns its id and outcome.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="options">Delivery settings.</param>
    /// <param name="cancellationToken">Cancels waiting to be accepted.</param>
    /// <returns>The accepted message.</returns>
    ValueTask<Delivery> EnqueueAsync<T>(string type, T payload, SendOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Sends a text message as it is; completes with its outcome.</summary>
    /// <param name="text">The message.</param>
    /// <param name="options">Delivery settings.</param>
    /// <param name="cancellationToken">Cancels the send while it waits.</param>
    /// <returns>The outcome.</returns>
    ValueTask SendTextAsync(string text, SendOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Sends a binary message as it is; completes with its outcome.</summary>
    /// <param name="data">The message.</param>
    /// <param name="options">Delivery settings.</param>
    /// <param name="cancellationToken">Cancels the send while it waits.</param>
    /// <returns>The outcome.</returns>
    ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, SendOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Sends a request envelope and waits for the reply carrying its id.</summary>
    /// <typeparam name="TRequest">The request payload type.</typeparam>
    /// <typeparam name="TReply">The reply payload type.</typeparam>
    /// <param name="type">The request's message type.</param>
    /// <param name="payload">The request payload.</param>
    /// <param name="cancellationToken">Abandons the request.</param>
    /// <returns>The reply's payload.</returns>
    Task<TReply?> RequestAsync<TRequest, TReply>(string type, TRequest payload, CancellationToken cancellationToken = default);

    /// <summary>Fails every queued and unacknowledged message with <see cref="DeliveryFailureReason.Cancelled"/>.</summary>
    /// <returns>How many messages were failed.</returns>
    int ClearQueue();
}
