using System.Text.Json;

namespace RealtimeClient.Codec;

/// <summary>The shape of the envelope <see cref="JsonEnvelopeCodec"/> reads and writes.</summary>
/// <remarks>
/// The defaults fit the chat protocol of the samples: <c>{"type": "message", "id": "c-1", "data": {...}}</c>.
/// Property names are matched exactly (case-sensitive); other properties of the envelope are ignored.
/// </remarks>
public sealed record JsonEnvelopeOptions
{
    /// <summary>The property that holds the message type, a string, required in every inbound message (default: <c>"type"</c>).</summary>
    public string TypePropertyName { get; init; } = "type";

    /// <summary>The property that holds the payload, optional (default: <c>"data"</c>).</summary>
    public string DataPropertyName { get; init; } = "data";

    /// <summary>The property that holds the message id, an optional string (default: <c>"id"</c>).</summary>
    public string IdPropertyName { get; init; } = "id";

    /// <summary>
    /// The options for payloads read or written without an explicit <see cref="System.Text.Json.Serialization.Metadata.JsonTypeInfo{T}"/>
    /// (the reflection-based overloads); their <see cref="JsonSerializerOptions.Encoder"/> also escapes the strings of
    /// written envelopes, and their reader settings (comments, trailing commas, maximum depth) apply to envelopes
    /// (default: new options with <see cref="JsonSerializerDefaults.Web"/>: camelCase names, case-insensitive reading,
    /// numbers in strings allowed; reflection-based metadata is added on first use by a reflection-based overload). For a snake_case
    /// protocol set <see cref="JsonSerializerOptions.PropertyNamingPolicy"/> to <see cref="JsonNamingPolicy.SnakeCaseLower"/>.
    /// Apps that trim or compile ahead of time pass source-generated metadata instead.
    /// </summary>
    public JsonSerializerOptions SerializerOptions { get; init; } = new(JsonSerializerDefaults.Web);
}
