namespace RealtimeClient;

/// <summary>One complete message received from the server (all its fragments assembled).</summary>
public readonly struct InboundMessage
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

    /// <summary>Text or binary.</summary>
    public MessageKind Kind { get; }

    /// <summary>The text of a <see cref="MessageKind.Text"/> message; <see langword="null"/> for binary.</summary>
    public string? Text { get; }

    /// <summary>The bytes of a <see cref="MessageKind.Binary"/> message; empty for text.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <inheritdoc />
    public override string ToString() => Kind == MessageKind.Text ? $"Text({Text!.Length} chars)" : $"Binary({Data.Length} bytes)";
}
