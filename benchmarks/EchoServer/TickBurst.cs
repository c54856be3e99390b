using System.Buffers.Text;
using System.Net.WebSockets;
using System.Text.Json;

namespace EchoServer;

/// <summary>
/// The typed-receive load: on {"type":"burst","data":{"count":N,"size":S}} send N tick envelopes of about S bytes.
/// The envelope is built once per burst and only the sequence number is rewritten in place (padded with
/// spaces, which JSON allows), so the server spends as little as possible per message and the client's
/// decoding is what gets measured.
/// </summary>
internal static class TickBurst
{
    private const int MaxCount = 10_000_000;
    private const int MaxSize = 1024 * 1024;
    private const int SeqWidth = 10;

    private static ReadOnlySpan<byte> Prefix => "{\"type\":\"tick\",\"data\":{\"seq\":"u8;
    private static ReadOnlySpan<byte> Middle => ",\"symbol\":\"ABC\",\"price\":123.45,\"note\":\""u8;
    private static ReadOnlySpan<byte> Suffix => "\"}}"u8;

    public static bool TryParseRequest(ReadOnlySpan<byte> message, out int count, out int size)
    {
        count = 0;
        size = 0;
        if (message.Length > 512 || message.IndexOf("\"burst\""u8) < 0)
        {
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(message.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type", out var type) || type.GetString() != "burst"
                || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("count", out var c) || !c.TryGetInt32(out count)
                || !data.TryGetProperty("size", out var s) || !s.TryGetInt32(out size))
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        count = Math.Clamp(count, 0, MaxCount);
        size = Math.Clamp(size, 0, MaxSize);
        return true;
    }

    public static async Task SendAsync(WebSocket socket, int count, int size, CancellationToken ct)
    {
        int fixedLength = Prefix.Length + SeqWidth + Middle.Length + Suffix.Length;
        int padding = Math.Max(0, size - fixedLength);
        byte[] message = new byte[fixedLength + padding];
        int seqOffset = Prefix.Length;
        Prefix.CopyTo(message);
        int pos = seqOffset + SeqWidth;
        Middle.CopyTo(message.AsSpan(pos));
        pos += Middle.Length;
        message.AsSpan(pos, padding).Fill((byte)'x');
        pos += padding;
        Suffix.CopyTo(message.AsSpan(pos));

        for (int i = 0; i < count; i++)
        {
            var slot = message.AsSpan(seqOffset, SeqWidth);
            slot.Fill((byte)' ');
            Utf8Formatter.TryFormat(i, slot, out _);
            await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
    }
}
