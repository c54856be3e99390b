using System.Buffers;

namespace RealtimeClient.Buffers;

/// <summary>
/// A message's bytes in an array rented from <see cref="ArrayPool{T}.Shared"/>: the one owner type for pooled message
/// memory, handed from writer to reader instead of raw (array, length) pairs. Whoever holds it returns it exactly once
/// (<see cref="Return"/>); handing it on hands the duty on.
/// </summary>
internal readonly struct RentedBuffer
{
    private readonly byte[]? _array;
    private readonly SharedSegment? _segment;
    private readonly int _offset;

    private RentedBuffer(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    private RentedBuffer(SharedSegment segment, int offset, int length)
    {
        _array = segment.Array;
        _segment = segment;
        _offset = offset;
        Length = length;
    }

    /// <summary>The number of bytes in use.</summary>
    public int Length { get; }

    /// <summary>Whether this holds no array (the default value).</summary>
    public bool IsEmpty => _array is null;

    /// <summary>The bytes in use.</summary>
    public ReadOnlySpan<byte> Span => _array is null ? ReadOnlySpan<byte>.Empty : _array.AsSpan(_offset, Length);

    /// <summary>The bytes in use.</summary>
    public ReadOnlyMemory<byte> Memory => _array is null ? ReadOnlyMemory<byte>.Empty : _array.AsMemory(_offset, Length);

    /// <summary>Takes ownership of <paramref name="array"/>, which must come from <see cref="ArrayPool{T}.Shared"/>.</summary>
    public static RentedBuffer Own(byte[] array, int length)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)array.Length, nameof(length));
        return new RentedBuffer(array, length);
    }

    /// <summary>Rents a buffer and copies <paramref name="bytes"/> into it.</summary>
    public static RentedBuffer CopyOf(ReadOnlySpan<byte> bytes)
    {
        var array = ArrayPool<byte>.Shared.Rent(Math.Max(bytes.Length, 1));
        bytes.CopyTo(array);
        return new RentedBuffer(array, bytes.Length);
    }

    /// <summary>A share of <paramref name="segment"/>: <paramref name="length"/> bytes from <paramref name="offset"/>.</summary>
    public static RentedBuffer Share(SharedSegment segment, int offset, int length) => new(segment, offset, length);

    /// <summary>Returns the array to the pool (a share: gives the share back). Call once; the value must not be used afterwards.</summary>
    public void Return()
    {
        if (_segment is not null)
        {
            _segment.ReturnShare();
        }
        else if (_array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
    }
}
