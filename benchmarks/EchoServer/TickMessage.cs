using System.Buffers.Text;

namespace EchoServer;

/// <summary>
/// One tick envelope of about <c>size</c> bytes, {"type":"tick","data":{"seq":i,"symbol":"ABC","price":123.45,"note":"xx…"}},
/// built once; only the sequence number is rewritten in place for each message (padded with spaces, which JSON allows),
/// so the server spends as little as possible per message.
/// </summary>
internal sealed class TickMessage
{
    private const int SeqWidth = 10;

    private static ReadOnlySpan<byte> Prefix => "{\"type\":\"tick\",\"data\":{\"seq\":"u8;
    private static ReadOnlySpan<byte> Middle => ",\"symbol\":\"ABC\",\"price\":123.45,\"note\":\""u8;
    private static ReadOnlySpan<byte> Suffix => "\"}}"u8;

    public TickMessage(int size)
    {
        int fixedLength = Prefix.Length + SeqWidth + Middle.Length + Suffix.Length;
        int padding = Math.Max(0, size - fixedLength);
        Bytes = new byte[fixedLength + padding];
        Prefix.CopyTo(Bytes);
        int pos = Prefix.Length + SeqWidth;
        Middle.CopyTo(Bytes.AsSpan(pos));
        pos += Middle.Length;
        Bytes.AsSpan(pos, padding).Fill((byte)'x');
        pos += padding;
        Suffix.CopyTo(Bytes.AsSpan(pos));
    }

    /// <summary>The whole message; its length is max(size, the fixed part).</summary>
    public byte[] Bytes { get; }

    public void SetSequence(int sequence)
    {
        var slot = Bytes.AsSpan(Prefix.Length, SeqWidth);
        slot.Fill((byte)' ');
        Utf8Formatter.TryFormat(sequence, slot, out _);
    }
}
