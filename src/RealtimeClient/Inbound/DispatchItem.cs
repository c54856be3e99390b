using System.Text;
using RealtimeClient.Buffers;
using RealtimeClient.Serialization;

namespace RealtimeClient.Inbound;

/// <summary>One received message on its way to the subscribers, with its envelope header when the receive loop already read it.</summary>
internal readonly struct DispatchItem(MessageKind kind, RentedBuffer bytes, EnvelopeHeader? header, bool unreadable = false)
{
    private const int MaxExcerptChars = 256;

    public MessageKind Kind { get; } = kind;

    /// <summary>The message; the dispatcher returns it to the pool once dispatched.</summary>
    public RentedBuffer Bytes { get; } = bytes;

    public EnvelopeHeader? Header { get; } = header;

    /// <summary>The envelope format threw reading it (reported already): published raw only.</summary>
    public bool Unreadable { get; } = unreadable;

    public ReadOnlySpan<byte> Span => Bytes.Span;

    /// <summary>At most 256 characters of the message (hexadecimal for binary), for error reports; never splits a surrogate pair.</summary>
    public string Excerpt()
    {
        var bytes = Span;
        if (Kind == MessageKind.Binary)
        {
            var hex = Convert.ToHexString(bytes[..Math.Min(bytes.Length, MaxExcerptChars / 2)]);
            return bytes.Length > MaxExcerptChars / 2 ? hex + "…" : hex;
        }

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
