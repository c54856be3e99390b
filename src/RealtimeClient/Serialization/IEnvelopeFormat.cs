using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace RealtimeClient.Serialization;

/// <summary>
/// Where a message keeps its type, its id and its payload: the envelope the connection reads for acknowledgements,
/// refusals, requests, de-duplication and typed streams, and writes for typed sends. The default is
/// <see cref="JsonEnvelopeFormat"/> (<c>{"type": ..., "id": ..., "data": ...}</c> in text messages).
/// </summary>
/// <remarks>
/// Implementations must be thread-safe and must not keep a reference to a message they read: its memory is reused as
/// soon as they return. Methods that read never throw for bad input.
/// </remarks>
public interface IEnvelopeFormat
{
    /// <summary>The kind of WebSocket message <see cref="WriteEnvelope{T}"/> produces.</summary>
    MessageKind MessageKind { get; }

    /// <summary>What an envelope without a payload deserializes from (JSON: <c>null</c>; MessagePack: nil).</summary>
    ReadOnlyMemory<byte> MissingPayload { get; }

    /// <summary>Whether messages of <paramref name="kind"/> may be envelopes of this format (others are published raw only).</summary>
    /// <param name="kind">Text or binary.</param>
    /// <returns><see langword="true"/> if the format reads messages of that kind.</returns>
    bool CanRead(MessageKind kind);

    /// <summary>Reads the envelope of a complete message: its type (required), id (optional) and where its payload is.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="header">The envelope's type, id and payload location, when the method returns <see langword="true"/>.</param>
    /// <param name="failure">Why the message is not an envelope, when the method returns <see langword="false"/>.</param>
    /// <returns><see langword="true"/> if the message is a well-formed envelope with a type.</returns>
    bool TryReadHeader(ReadOnlySpan<byte> message, out EnvelopeHeader header, [NotNullWhen(false)] out string? failure);

    /// <summary>
    /// Reads the string (or the text of a number) at a dotted path such as <c>data.id</c> or <c>code</c>, for
    /// de-duplication and refusals.
    /// </summary>
    /// <param name="message">The whole message.</param>
    /// <param name="path">Property names separated by dots, from the top of the envelope.</param>
    /// <param name="value">The value as text.</param>
    /// <returns><see langword="true"/> if the path exists and ends at a string or a number.</returns>
    bool TryReadValue(ReadOnlySpan<byte> message, string path, [NotNullWhen(true)] out string? value);

    /// <summary>Writes one envelope of <paramref name="type"/> whose payload <paramref name="serializer"/> writes.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="output">Where the envelope goes. If the method throws, it may hold part of an envelope: discard it.</param>
    /// <param name="type">The message type.</param>
    /// <param name="id">The message id, or <see langword="null"/> for none.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="serializer">Writes the payload.</param>
    void WriteEnvelope<T>(IBufferWriter<byte> output, string type, string? id, T payload, IPayloadSerializer serializer);

    /// <summary>
    /// Copies an app's own envelope to <paramref name="output"/> with the id added, for acknowledged raw sends. Nothing is
    /// written when the method returns <see langword="false"/>.
    /// </summary>
    /// <param name="message">One envelope of this format.</param>
    /// <param name="id">The id to add.</param>
    /// <param name="output">Where the envelope with the id goes.</param>
    /// <returns><see langword="false"/> if the message is not an envelope of this format or already has an id.</returns>
    bool TryAttachId(ReadOnlySpan<byte> message, string id, IBufferWriter<byte> output);
}
