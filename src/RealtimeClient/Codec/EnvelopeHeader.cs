namespace RealtimeClient.Codec;

/// <summary>
/// What <see cref="IMessageCodec.TryReadEnvelope"/> found in a message: the type, the id, and where the payload is.
/// </summary>
public readonly struct EnvelopeHeader : IEquatable<EnvelopeHeader>
{
    /// <summary>Creates a header for an envelope without a payload.</summary>
    /// <param name="type">The message type.</param>
    /// <param name="id">The message id, if any.</param>
    public EnvelopeHeader(string type, string? id)
        : this(type, id, -1, 0)
    {
    }

    /// <summary>Creates a header for an envelope whose payload is <paramref name="dataLength"/> bytes at <paramref name="dataOffset"/>.</summary>
    /// <param name="type">The message type.</param>
    /// <param name="id">The message id, if any.</param>
    /// <param name="dataOffset">Where the payload starts in the message, or -1 for none.</param>
    /// <param name="dataLength">The payload's length in bytes.</param>
    public EnvelopeHeader(string type, string? id, int dataOffset, int dataLength)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentOutOfRangeException.ThrowIfLessThan(dataOffset, -1);
        ArgumentOutOfRangeException.ThrowIfNegative(dataLength);
        Type = type;
        Id = id;
        DataOffset = dataOffset;
        DataLength = dataOffset < 0 ? 0 : dataLength;
    }

    /// <summary>The message type.</summary>
    public string Type { get; }

    /// <summary>The message id, or <see langword="null"/>.</summary>
    public string? Id { get; }

    /// <summary>Where the payload starts in the message; -1 when the envelope has none.</summary>
    public int DataOffset { get; }

    /// <summary>The payload's length in bytes; 0 when the envelope has none.</summary>
    public int DataLength { get; }

    /// <summary>Whether the envelope has a payload.</summary>
    public bool HasData => DataOffset >= 0;

    /// <inheritdoc />
    public bool Equals(EnvelopeHeader other) =>
        string.Equals(Type, other.Type, StringComparison.Ordinal) && string.Equals(Id, other.Id, StringComparison.Ordinal)
        && DataOffset == other.DataOffset && DataLength == other.DataLength;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EnvelopeHeader other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Id, DataOffset, DataLength);

    /// <summary>Compares two headers.</summary>
    /// <param name="left">The first header.</param>
    /// <param name="right">The second header.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(EnvelopeHeader left, EnvelopeHeader right) => left.Equals(right);

    /// <summary>Compares two headers.</summary>
    /// <param name="left">The first header.</param>
    /// <param name="right">The second header.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(EnvelopeHeader left, EnvelopeHeader right) => !left.Equals(right);
}
