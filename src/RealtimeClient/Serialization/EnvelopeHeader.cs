namespace RealtimeClient.Serialization;

/// <summary>What <see cref="IEnvelopeFormat.TryReadHeader"/> found in a message: the type, the id, and where the payload is.</summary>
/// <param name="Type">The message type.</param>
/// <param name="Id">The message id, or <see langword="null"/>.</param>
/// <param name="PayloadOffset">Where the payload starts in the message; -1 when the envelope has none.</param>
/// <param name="PayloadLength">The payload's length in bytes; 0 when the envelope has none.</param>
public readonly record struct EnvelopeHeader(string Type, string? Id, int PayloadOffset = -1, int PayloadLength = 0)
{
    /// <summary>Whether the envelope has a payload.</summary>
    public bool HasPayload => PayloadOffset >= 0;
}
