using System.Text;

namespace RealtimeClient.Internal;

// One queued inbound message: a buffer rented from ArrayPool<byte>.Shared that the dispatcher returns when done.
internal readonly struct DispatchItem(MessageKind kind, byte[] buffer, int length)
{
    private const int MaxExcerptChars = 256;

    public MessageKind Kind { get; } = kind;

    public byte[] Buffer { get; } = buffer;

    public int Length { get; } = length;

    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    // At most 256 characters of the message, for error reports; never splits a surrogate pair.
    public string Excerpt()
    {
        var bytes = Span;
        var truncated = bytes.Length > MaxExcerptChars * 4;
        if (truncated)
        {
            bytes = bytes[..(MaxExcerptChars * 4)];
        }

        var text = Encoding.UTF8.GetString(bytes);
        if (text.Length <= MaxExcerptChars && !truncated)
        {
            return text;
        }

        var keep = Math.Min(text.Length, MaxExcerptChars - 1);
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), "…");
    }
}
