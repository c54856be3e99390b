using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RealtimeClient;

/// <summary>
/// A decoded inbound envelope, as published on <see cref="RealtimeConnection.Envelopes"/> and
/// <see cref="RealtimeConnection.Unhandled"/>: its type, its id, and its JSON. It owns its memory and can be kept.
/// </summary>
public sealed class Envelope
{
    /// <summary>Creates an envelope.</summary>
    /// <param name="type">The message type.</param>
    /// <param name="id">The message id, if any.</param>
    /// <param name="json">The whole message (UTF-8 JSON). Kept, not copied: it must not be reused.</param>
    /// <param name="data">The payload (usually a slice of <paramref name="json"/>); empty when the envelope has none.</param>
    public Envelope(string type, string? id, ReadOnlyMemory<byte> json, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(type);
        Type = type;
        Id = id;
        Json = json;
        Data = data;
    }

    /// <summary>The message type.</summary>
    public string Type { get; }

    /// <summary>The envelope's top-level id, or <see langword="null"/>.</summary>
    public string? Id { get; }

    /// <summary>The whole message as UTF-8 JSON, including properties other than the type, id and payload.</summary>
    public ReadOnlyMemory<byte> Json { get; }

    /// <summary>The payload as UTF-8 JSON; empty when the envelope has none.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Whether the envelope has a payload.</summary>
    public bool HasData => !Data.IsEmpty;

    /// <summary>Deserializes the payload; an absent payload reads as JSON <c>null</c>.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="typeInfo">The payload type's metadata, e.g. from a source-generated <c>JsonSerializerContext</c>.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="JsonException">The payload does not fit <typeparamref name="T"/>.</exception>
    public T? GetData<T>(JsonTypeInfo<T> typeInfo) => JsonSerializer.Deserialize(HasData ? Data.Span : "null"u8, typeInfo);

    /// <summary>
    /// Deserializes the whole envelope, for protocols that keep information next to the payload (such as a status
    /// <c>code</c> and a <c>message</c>).
    /// </summary>
    /// <typeparam name="T">The envelope type.</typeparam>
    /// <param name="typeInfo">The envelope type's metadata.</param>
    /// <returns>The envelope.</returns>
    /// <exception cref="JsonException">The envelope does not fit <typeparamref name="T"/>.</exception>
    public T? Deserialize<T>(JsonTypeInfo<T> typeInfo) => JsonSerializer.Deserialize(Json.Span, typeInfo);

    /// <summary>The whole message as text.</summary>
    /// <returns>The JSON text.</returns>
    public string GetText() => Encoding.UTF8.GetString(Json.Span);

    /// <inheritdoc />
    public override string ToString() => Id is null ? $"Envelope({Type}, {Json.Length} bytes)" : $"Envelope({Type}, id {Id}, {Json.Length} bytes)";
}
