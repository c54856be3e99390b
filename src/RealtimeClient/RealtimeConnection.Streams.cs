using RealtimeClient.Serialization;

namespace RealtimeClient;

// The inbound streams. Subscriptions belong to the connection, not to a socket: they keep receiving across reconnects and
// complete (OnCompleted) when the connection is disposed. No stream ever calls OnError: decode failures, throwing
// subscribers and dropped messages are reported on Errors.
public sealed partial class RealtimeConnection
{
    /// <summary>
    /// Every inbound message as received, text or binary, before decoding. Observers are called one message at a time, in
    /// arrival order, off the receive loop; a throwing observer is reported on <see cref="Errors"/> and keeps its
    /// subscription. Completes when the connection is disposed.
    /// </summary>
    public IObservable<InboundMessage> Messages => _dispatcher.Messages;

    /// <summary>Every inbound message that reads as an envelope (by default a JSON object with a string type), handled or not. Completes when the connection is disposed.</summary>
    public IObservable<Envelope> Envelopes => _dispatcher.Envelopes;

    /// <summary>
    /// Envelopes of a type that no <see cref="On{T}"/> or <see cref="ReadAllAsync{T}"/> observes at the moment it is
    /// dispatched (and that the connection does not handle itself, such as acknowledgements). Completes when the
    /// connection is disposed.
    /// </summary>
    public IObservable<Envelope> Unhandled => _dispatcher.Unhandled;

    /// <summary>The payloads of inbound messages of <paramref name="type"/>, read with <see cref="RealtimeOptions.Serializer"/>.</summary>
    /// <remarks>
    /// <para>Observers are called one message at a time, in arrival order, off the receive loop; observers of the same
    /// <typeparamref name="T"/> share one deserialized instance per message. A message without a payload delivers what the
    /// format's "null" deserializes to.</para>
    /// <para>A payload that does not fit <typeparamref name="T"/> is reported on <see cref="Errors"/> as
    /// <see cref="ErrorKind.DecodeFailed"/> (with an excerpt) and skipped; an observer that throws is reported as
    /// <see cref="ErrorKind.SubscriberFailed"/> and keeps its subscription. The stream never calls <c>OnError</c>; it
    /// completes when the connection is disposed, and a subscription made after that completes at once.</para>
    /// </remarks>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type, matched exactly (ordinal).</param>
    /// <returns>A hot stream of payloads.</returns>
    public IObservable<T> On<T>(string type) => _dispatcher.On<T>(type);

    /// <summary>The payloads of inbound messages of <paramref name="type"/> as an async stream, for <c>await foreach</c>.</summary>
    /// <remarks>
    /// Each enumeration subscribes when it starts (messages before that are not seen) and has its own buffer of
    /// <see cref="DispatchOptions.BufferCapacity"/> payloads; when the reader falls behind, <see cref="DispatchOptions.Overflow"/>
    /// applies. Decode failures are reported on <see cref="Errors"/> and skipped. The enumeration ends when the connection
    /// is disposed, after the payloads already buffered; cancelling ends it with <see cref="OperationCanceledException"/>.
    /// </remarks>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type, matched exactly (ordinal).</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The payloads, in arrival order.</returns>
    public IAsyncEnumerable<T> ReadAllAsync<T>(string type, CancellationToken cancellationToken = default) =>
        _dispatcher.ReadAllAsync<T>(type, cancellationToken);
}
