using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using RealtimeClient.Serialization;

namespace RealtimeClient.Tests.Serialization;

/// <summary>
/// An envelope format with a bug: every read throws, where the contract says none does. Shared by the tests that show the
/// receive loop and the dispatcher report such a format and go on.
/// </summary>
internal sealed class ThrowingFormat : IEnvelopeFormat
{
    public MessageKind MessageKind => MessageKind.Text;

    public ReadOnlyMemory<byte> MissingPayload => JsonEnvelopeFormat.Default.MissingPayload;

    public bool CanRead(MessageKind kind) => kind == MessageKind.Text;

    public bool TryReadHeader(ReadOnlySpan<byte> message, out EnvelopeHeader header, [NotNullWhen(false)] out string? failure) =>
        throw new NotSupportedException("format bug");

    public bool TryReadValue(ReadOnlySpan<byte> message, string path, [NotNullWhen(true)] out string? value) =>
        throw new NotSupportedException("format bug");

    public void WriteEnvelope<T>(IBufferWriter<byte> output, string type, string? id, T payload, IPayloadSerializer serializer) =>
        JsonEnvelopeFormat.Default.WriteEnvelope(output, type, id, payload, serializer);

    public bool TryAttachId(ReadOnlySpan<byte> message, string id, IBufferWriter<byte> output) => false;
}
