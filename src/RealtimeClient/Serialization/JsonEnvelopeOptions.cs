namespace RealtimeClient.Serialization;

/// <summary>The shape of the envelope <see cref="JsonEnvelopeFormat"/> reads and writes.</summary>
/// <remarks>
/// The defaults fit the chat protocol of the samples: <c>{"type": "message", "id": "c-1", "data": {...}}</c>. Property
/// names are matched exactly (case-sensitive); other properties of the envelope are ignored.
/// </remarks>
public sealed record JsonEnvelopeOptions
{
    /// <summary>The property that holds the message type, a string, required in every envelope (default: <c>type</c>).</summary>
    public string TypePropertyName { get; init; } = "type";

    /// <summary>The property that holds the payload, optional (default: <c>data</c>).</summary>
    public string DataPropertyName { get; init; } = "data";

    /// <summary>The property that holds the message id, an optional string (default: <c>id</c>).</summary>
    public string IdPropertyName { get; init; } = "id";

    /// <summary>
    /// Whether binary messages are read as UTF-8 JSON envelopes too (default: <see langword="false"/>: binary messages are
    /// published on <see cref="RealtimeConnection.Messages"/> only).
    /// </summary>
    public bool ReadBinaryMessages { get; init; }

    /// <summary>Whether comments and trailing commas are allowed in inbound envelopes (default: <see langword="false"/>, strict JSON).</summary>
    public bool AllowCommentsAndTrailingCommas { get; init; }
}
