using System.Text.Json;

namespace EchoServer;

/// <summary>What the server does instead of echoing.</summary>
internal enum RequestKind
{
    /// <summary>{"type":"burst","data":{"count":N,"size":S}}: N tick envelopes back to back (TickBurst).</summary>
    Burst,

    /// <summary>{"type":"stream","data":{"count":N,"size":S,"rate":R}}: N tick envelopes, R a second (TickStream).</summary>
    Stream,
}

/// <summary>A control message from the harness, recognised among the echoed ones by its "type".</summary>
internal readonly record struct ServerRequest(RequestKind Kind, int Count, int Size, int Rate)
{
    private const int MaxCount = 10_000_000;
    private const int MaxSize = 1024 * 1024;
    private const int MaxRate = 100_000;

    public static bool TryParse(ReadOnlySpan<byte> message, out ServerRequest request)
    {
        request = default;
        if (message.Length > 512 || (message.IndexOf("\"burst\""u8) < 0 && message.IndexOf("\"stream\""u8) < 0))
        {
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(message.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type", out var type)
                || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("count", out var c) || !c.TryGetInt32(out int count)
                || !data.TryGetProperty("size", out var s) || !s.TryGetInt32(out int size))
            {
                return false;
            }

            switch (type.GetString())
            {
                case "burst":
                    request = new(RequestKind.Burst, Math.Clamp(count, 0, MaxCount), Math.Clamp(size, 0, MaxSize), 0);
                    return true;
                case "stream" when data.TryGetProperty("rate", out var r) && r.TryGetInt32(out int rate) && rate > 0:
                    request = new(RequestKind.Stream, Math.Clamp(count, 0, MaxCount), Math.Clamp(size, 0, MaxSize), Math.Min(rate, MaxRate));
                    return true;
                default:
                    return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
