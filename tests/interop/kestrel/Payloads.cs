namespace KestrelPeer;

/// <summary>The payloads the send controls produce, byte for byte the same on every peer (tests/interop/README.md).</summary>
internal static class Payloads
{
    /// <summary>"hi" followed by two bytes that are never valid in UTF-8.</summary>
    public static ReadOnlyMemory<byte> InvalidUtf8 { get; } = new byte[] { 0x68, 0x69, 0xFF, 0xFE };

    /// <summary>ASCII letters: byte i is 'a' + i % 26.</summary>
    public static byte[] Text(int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)('a' + (i % 26));
        }

        return bytes;
    }

    /// <summary>Byte i is i % 251.</summary>
    public static byte[] Binary(int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return bytes;
    }

    /// <summary><paramref name="frames"/> chunks of ceil(size / frames) bytes (the last ones shorter or empty).</summary>
    public static List<ReadOnlyMemory<byte>> SplitEvenly(byte[] payload, int frames)
    {
        var chunks = new List<ReadOnlyMemory<byte>>(frames);
        var step = (payload.Length + frames - 1) / frames;
        for (var i = 0; i < frames; i++)
        {
            var start = Math.Min((long)i * step, payload.Length);
            var end = Math.Min((long)(i + 1) * step, payload.Length);
            chunks.Add(payload.AsMemory((int)start, (int)(end - start)));
        }

        return chunks;
    }

    /// <summary>A frame ends right after the first byte of every multi-byte character; a text without one is cut in the middle.</summary>
    public static List<ReadOnlyMemory<byte>> SplitInsideCharacters(byte[] utf8)
    {
        var cuts = new List<int>();
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] >= 0xC0)
            {
                cuts.Add(i + 1);
            }
        }

        if (cuts.Count == 0 && utf8.Length >= 2)
        {
            cuts.Add(utf8.Length / 2);
        }

        var chunks = new List<ReadOnlyMemory<byte>>(cuts.Count + 1);
        var start = 0;
        foreach (var cut in cuts)
        {
            chunks.Add(utf8.AsMemory(start, cut - start));
            start = cut;
        }

        chunks.Add(utf8.AsMemory(start));
        return chunks;
    }
}
