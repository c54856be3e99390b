using RealtimeClient.Codec;

namespace RealtimeClient;

public sealed partial class RealtimeOptions
{
    /// <summary>Dispatch of inbound messages to subscribers (default: see <see cref="DispatchOptions"/>).</summary>
    public DispatchOptions Dispatch { get; init; } = new();

    /// <summary>
    /// Turns frames into typed messages and back (default: <see langword="null"/>, a <see cref="JsonEnvelopeCodec"/> with
    /// default <see cref="JsonEnvelopeOptions"/>: <c>{"type": ..., "data": ..., "id": ...}</c>).
    /// </summary>
    public IMessageCodec? Codec { get; init; }
}
