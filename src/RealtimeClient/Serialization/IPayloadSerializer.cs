using System.Buffers;

namespace RealtimeClient.Serialization;

/// <summary>
/// Turns payloads into bytes and back, for typed sends, typed streams and requests. The default is
/// <see cref="SystemTextJsonSerializer"/>; a MessagePack one lives in the RealtimeClient.MessagePack package. Implementations
/// must be thread-safe: senders and the dispatch loop call them concurrently.
/// </summary>
public interface IPayloadSerializer
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/> as one complete value of the wire format.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="output">Where the bytes go (after the envelope's own prefix).</param>
    /// <param name="value">The payload.</param>
    void Serialize<T>(IBufferWriter<byte> output, T value);

    /// <summary>Reads a payload located by the envelope format.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="payload">The payload's bytes; the format's <see cref="IEnvelopeFormat.MissingPayload"/> when the envelope has none.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="Exception">Any exception the serializer throws for a payload that does not fit <typeparamref name="T"/>; it is reported as <see cref="ErrorKind.DecodeFailed"/>.</exception>
    T? Deserialize<T>(ReadOnlyMemory<byte> payload);
}
