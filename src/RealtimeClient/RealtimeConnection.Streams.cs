using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;
using RealtimeClient.Codec;

namespace RealtimeClient;

// The inbound message streams. Subscriptions belong to the connection, not to a socket: they keep receiving across
// reconnects and complete (OnCompleted) when the connection is disposed. No stream ever calls OnError: decode failures,
// throwing subscribers and dropped messages are reported on Errors.
public sealed partial class RealtimeConnection
{
    /// <summary>
    /// Every inbound message as received, text or binary, before decoding. Observers are called one message at a time,
    /// in arrival order, off the receive loop; a throwing observer is reported on <see cref="Errors"/> and keeps its
    /// subscription. Completes when the connection is disposed.
    /// </summary>
    public IObservable<InboundMessage> Messages => Dispatcher.Messages;

    /// <summary>
    /// Every inbound message that decoded as an envelope (a JSON object with a string type, by default), whether or not
    /// a typed stream handles it. Completes when the connection is disposed.
    /// </summary>
    public IObservable<Envelope> Envelopes => Dispatcher.Envelopes;

    /// <summary>
    /// Envelopes of a type that no <see cref="On{T}(string, JsonTypeInfo{T})"/> or
    /// <see cref="ReadAllAsync{T}(string, JsonTypeInfo{T}, CancellationToken)"/> subscribes to at the moment it is
    /// dispatched (and that the connection does not handle itself, such as acknowledgements). Completes when the
    /// connection is disposed.
    /// </summary>
    public IObservable<Envelope> Unhandled => Dispatcher.Unhandled;

    /// <summary>
    /// The payloads of inbound messages of <paramref name="type"/>, deserialized with <paramref name="typeInfo"/>.
    /// </summary>
    /// <remarks>
    /// <para>Observers are called one message at a time, in arrival order, off the receive loop. Subscribers with the
    /// same <paramref name="typeInfo"/> share one deserialized instance per message. A message without a payload
    /// delivers what JSON <c>null</c> deserializes to (declare <typeparamref name="T"/> nullable for such types).</para>
    /// <para>A payload that does not fit <typeparamref name="T"/> is reported on <see cref="Errors"/> as
    /// <see cref="ErrorKind.DecodeFailed"/> (with an excerpt) and skipped; an observer that throws is reported as
    /// <see cref="ErrorKind.SubscriberFailed"/> and keeps its subscription. Neither affects other subscribers or the
    /// connection. The stream never calls <c>OnError</c>; it completes when the connection is disposed, and a
    /// subscription made after that completes at once.</para>
    /// </remarks>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type, matched exactly (ordinal).</param>
    /// <param name="typeInfo">The payload type's metadata, e.g. <c>MyJsonContext.Default.ChatMessage</c>.</param>
    /// <returns>A hot stream of payloads.</returns>
    public IObservable<T> On<T>(string type, JsonTypeInfo<T> typeInfo) => Dispatcher.On(type, typeInfo);

    /// <summary>
    /// The payloads of inbound messages of <paramref name="type"/>, deserialized with reflection-based metadata from
    /// the codec's serializer options. See <see cref="On{T}(string, JsonTypeInfo{T})"/>, which apps that trim or
    /// compile ahead of time must use instead.
    /// </summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type, matched exactly (ordinal).</param>
    /// <returns>A hot stream of payloads.</returns>
    [RequiresUnreferencedCode(ReflectionTypeInfo.Warning)]
    [RequiresDynamicCode(ReflectionTypeInfo.Warning)]
    public IObservable<T> On<T>(string type) => Dispatcher.On(type, Dispatcher.GetTypeInfo<T>());

    /// <summary>
    /// The payloads of inbound messages of <paramref name="type"/> as an async stream, for <c>await foreach</c>.
    /// </summary>
    /// <remarks>
    /// Each enumeration subscribes when it starts (messages before that are not seen) and has its own buffer of
    /// <see cref="DispatchOptions.BufferCapacity"/> payloads; when the reader falls behind,
    /// <see cref="DispatchOptions.Overflow"/> applies (the oldest payload is dropped and reported, or the dispatch waits
    /// for the reader). Decode failures are reported on <see cref="Errors"/> and skipped. The enumeration ends when the
    /// connection is disposed, after the payloads already buffered; cancelling <paramref name="cancellationToken"/>
    /// ends it with <see cref="OperationCanceledException"/>.
    /// </remarks>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type, matched exactly (ordinal).</param>
    /// <param name="typeInfo">The payload type's metadata.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The payloads, in arrival order.</returns>
    public IAsyncEnumerable<T> ReadAllAsync<T>(string type, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default) =>
        Dispatcher.ReadAllAsync(type, typeInfo, cancellationToken);

    /// <summary>
    /// The payloads of inbound messages of <paramref name="type"/> as an async stream, deserialized with
    /// reflection-based metadata. See <see cref="ReadAllAsync{T}(string, JsonTypeInfo{T}, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The message type, matched exactly (ordinal).</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The payloads, in arrival order.</returns>
    [RequiresUnreferencedCode(ReflectionTypeInfo.Warning)]
    [RequiresDynamicCode(ReflectionTypeInfo.Warning)]
    public IAsyncEnumerable<T> ReadAllAsync<T>(string type, CancellationToken cancellationToken = default) =>
        Dispatcher.ReadAllAsync(type, Dispatcher.GetTypeInfo<T>(), cancellationToken);
}
