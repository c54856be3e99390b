using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace RealtimeClient.Serialization;

/// <summary>
/// A decoded inbound envelope, as published on <see cref="RealtimeConnection.Envelopes"/> and
/// <see cref="RealtimeConnection.Unhandled"/>: its type, its id, its bytes, and a way to read its payload with the
/// connection's serializer. It owns its memory and can be kept.
/// </summary>
public sealed class Envelope
{
    private readonly IEnvelopeFormat _format;
    private readonly IPayloadSerializer _serializer;

    /// <summary>Creates an envelope (the connection does; tests of app code may too).</summary>
    /// <param name="header">The type, id and payload location, as the format read them from <paramref name="message"/>.</param>
    /// <param name="kind">Text or binary.</param>
    /// <param name="message">The whole message. Kept, not copied: it must not be reused.</param>
    /// <param name="format">The format that read it (for <see cref="TryGetValue"/>).</param>
    /// <param name="serializer">The serializer for <see cref="GetPayload{T}"/>.</param>
    public Envelope(EnvelopeHeader header, MessageKind kind, ReadOnlyMemory<byte> message, IEnvelopeFormat format, IPayloadSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(header.Type, nameof(header));
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(serializer);
        Type = header.Type;
        Id = header.Id;
        Kind = kind;
        Message = message;
        Payload = header.HasPayload ? message.Slice(header.PayloadOffset, header.PayloadLength) : ReadOnlyMemory<byte>.Empty;
        HasPayload = header.HasPayload;
        _format = format;
        _serializer = serializer;
    }

    /// <summary>The message type.</summary>
    public string Type { get; }

    /// <summary>The envelope's id, or <see langword="null"/>.</summary>
    public string? Id { get; }

    /// <summary>Text or binary.</summary>
    public MessageKind Kind { get; }

    /// <summary>The whole message, including fields other than the type, id and payload.</summary>
    public ReadOnlyMemory<byte> Message { get; }

    /// <summary>The payload's bytes; empty when the envelope has none.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Whether the envelope has a payload.</summary>
    public bool HasPayload { get; }

    /// <summary>Reads the payload with the connection's serializer; an absent payload reads as the format's "null".</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <returns>The payload.</returns>
    public T? GetPayload<T>() => _serializer.Deserialize<T>(HasPayload ? Payload : _format.MissingPayload);

    /// <summary>Reads a field outside the payload (or inside it), such as <c>code</c> or <c>data.id</c>, as text.</summary>
    /// <param name="path">Property names separated by dots.</param>
    /// <param name="value">The value as text.</param>
    /// <returns>Whether the path exists and ends at a string or a number.</returns>
    public bool TryGetValue(string path, [NotNullWhen(true)] out string? value) => _format.TryReadValue(Message.Span, path, out value);

    /// <summary>The whole message as UTF-8 text.</summary>
    /// <returns>The text.</returns>
    public string GetText() => Encoding.UTF8.GetString(Message.Span);

    /// <inheritdoc />
    public override string ToString() => Id is null ? $"Envelope({Type}, {Message.Length} bytes)" : $"Envelope({Type}, id {Id}, {Message.Length} bytes)";
}
