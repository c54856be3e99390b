using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RealtimeClient.Codec;

/// <summary>
/// The seam between WebSocket messages and typed messages: where an envelope keeps its type, its id and its payload,
/// and how payloads are read and written. The default is <see cref="JsonEnvelopeCodec"/>
/// (<c>{"type": ..., "id": ..., "data": ...}</c> on System.Text.Json).
/// </summary>
/// <remarks>
/// Payloads are JSON described by a <see cref="JsonTypeInfo{T}"/>, so apps that trim or compile ahead of time pass
/// source-generated metadata and never need reflection. Implementations must be thread-safe: the receive loop, the
/// dispatch loop and senders call them concurrently. Methods that read a message never keep a reference to it: the
/// memory is reused as soon as they return.
/// </remarks>
public interface IMessageCodec
{
    /// <summary>
    /// The serializer options for payloads whose <see cref="JsonTypeInfo{T}"/> the app does not pass (the
    /// reflection-based overloads), and the source of the text encoder used when writing envelopes.
    /// </summary>
    JsonSerializerOptions SerializerOptions { get; }

    /// <summary>
    /// Reads the envelope of a complete message: its type (required), its id (optional) and where its payload is.
    /// Called by the dispatch loop for every message while something subscribes to decoded messages.
    /// </summary>
    /// <param name="message">The whole message (UTF-8 JSON for the default codec).</param>
    /// <param name="header">The envelope's type, id and payload location, when the method returns <see langword="true"/>.</param>
    /// <param name="failure">Why the message is not an envelope, when the method returns <see langword="false"/>.</param>
    /// <returns><see langword="true"/> if the message is an envelope with a type.</returns>
    /// <exception cref="JsonException">The message is not well-formed JSON. Any exception is reported as <see cref="ErrorKind.DecodeFailed"/>.</exception>
    bool TryReadEnvelope(ReadOnlySpan<byte> message, out EnvelopeHeader header, [NotNullWhen(false)] out string? failure);

    /// <summary>
    /// A cheap scan of the envelope's top-level type and id, for acknowledgements, request/response correlation and
    /// de-duplication on the receive loop. Never throws for bad input.
    /// </summary>
    /// <param name="message">The whole message.</param>
    /// <param name="type">The type, or <see langword="null"/> when absent or not a string.</param>
    /// <param name="id">The id, or <see langword="null"/> when absent or not a string.</param>
    /// <returns><see langword="false"/> if the message is not a JSON object.</returns>
    bool TryReadHeader(ReadOnlySpan<byte> message, out string? type, out string? id);

    /// <summary>
    /// Reads the string (or the text of a number) at a dotted property path such as <c>"data.id"</c>, for
    /// de-duplication by a payload id. Never throws for bad input.
    /// </summary>
    /// <param name="message">The whole message.</param>
    /// <param name="path">Property names separated by dots, from the top-level object (names containing dots cannot be addressed).</param>
    /// <param name="value">The string value, or the raw text of a number.</param>
    /// <returns><see langword="true"/> if the path exists and ends at a string or a number.</returns>
    bool TryReadString(ReadOnlySpan<byte> message, string path, [NotNullWhen(true)] out string? value);

    /// <summary>Deserializes a payload located by <see cref="TryReadEnvelope"/>.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="payload">The payload's bytes; the JSON literal <c>null</c> when the envelope has no payload.</param>
    /// <param name="typeInfo">The payload type's metadata.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="JsonException">The payload does not fit <typeparamref name="T"/>.</exception>
    T? ReadPayload<T>(ReadOnlySpan<byte> payload, JsonTypeInfo<T> typeInfo);

    /// <summary>Writes one envelope carrying <paramref name="payload"/> as a message of type <paramref name="type"/>.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="output">Where the envelope is written. If the method throws, it may hold part of an envelope: discard it.</param>
    /// <param name="type">The message type.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="typeInfo">The payload type's metadata.</param>
    /// <param name="id">The message id, or <see langword="null"/> for none.</param>
    void WriteEnvelope<T>(IBufferWriter<byte> output, string type, T payload, JsonTypeInfo<T> typeInfo, string? id);

    /// <summary>
    /// Copies an app's own JSON object to <paramref name="output"/> with the id property added, for acknowledged sends
    /// of raw JSON. Nothing is written when the method returns <see langword="false"/>.
    /// </summary>
    /// <param name="jsonObject">One JSON object.</param>
    /// <param name="id">The id to add.</param>
    /// <param name="output">Where the object with the id is written.</param>
    /// <returns>
    /// <see langword="false"/> if <paramref name="jsonObject"/> is not a single JSON object, or already has a top-level id
    /// property (read it with <see cref="TryReadHeader"/> and use that id instead).
    /// </returns>
    bool TryAttachId(ReadOnlySpan<byte> jsonObject, string id, IBufferWriter<byte> output);
}
