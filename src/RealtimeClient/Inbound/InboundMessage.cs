namespace RealtimeClient;

/// <summary>The kind of a WebSocket data message.</summary>
public enum MessageKind
{
    /// <summary>A UTF-8 text message.</summary>
    Text = 0,

    /// <summary>A binary message.</summary>
    Binary = 1,
}

/// <summary>One complete message received from the server (all its fragments assembled).</summary>
public readonly struct InboundMessage : IEquatable<InboundMessage>
{
    /// <summary>Creates a text message.</summary>
    /// <param name="text">The decoded text.</param>
    public InboundMessage(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Kind = MessageKind.Text;
        Text = text;
        Data = ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>Creates a binary message.</summary>
    /// <param name="data">The bytes; the message keeps this memory, so it must not be reused.</param>
    public InboundMessage(ReadOnlyMemory<byte> data)
    {
        Kind = MessageKind.Binary;
        Text = null;
        Data = data;
    }

    /// <summary>A received message from its bytes: decoded as UTF-8 when text, copied when binary (the bytes may be pooled).</summary>
    internal static InboundMessage From(MessageKind kind, ReadOnlySpan<byte> bytes) =>
        kind == MessageKind.Text ? new InboundMessage(System.Text.Encoding.UTF8.GetString(bytes)) : new InboundMessage(bytes.ToArray());

    /// <summary>Text or binary.</summary>
    public MessageKind Kind { get; }

    /// <summary>The text of a <see cref="MessageKind.Text"/> message; <see langword="null"/> for binary.</summary>
    public string? Text { get; }

    /// <summary>The bytes of a <see cref="MessageKind.Binary"/> message; empty for text.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Compares two messages by kind and content.</summary>
    /// <param name="left">The first message.</param>
    /// <param name="right">The second message.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(InboundMessage left, InboundMessage right) => left.Equals(right);

    /// <summary>Compares two messages by kind and content.</summary>
    /// <param name="left">The first message.</param>
    /// <param name="right">The second message.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(InboundMessage left, InboundMessage right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(InboundMessage other) =>
        Kind == other.Kind && string.Equals(Text, other.Text, StringComparison.Ordinal) && Data.Span.SequenceEqual(other.Data.Span);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is InboundMessage other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Text, Data.Length);

    /// <inheritdoc />
    public override string ToString() => Kind == MessageKind.Text ? $"Text({Text?.Length ?? 0} chars)" : $"Binary({Data.Length} bytes)";
}
