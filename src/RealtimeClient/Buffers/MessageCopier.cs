using System.Buffers;

namespace RealtimeClient.Buffers;

/// <summary>
/// Copies received messages out of the receive buffer, so it can be reused at once, into memory the message owns until it
/// is dispatched. Messages that arrive back to back share segments (<see cref="SharedSegment"/>); a message that arrives
/// on its own, or a large one, gets an array of its own (from the shared pool, as <see cref="RentedBuffer.CopyOf"/>). Used by
/// one receive loop only (not thread-safe); the shares it hands out may be returned from any thread.
/// </summary>
internal sealed class MessageCopier(ArrayPool<byte>? pool = null)
{
    /// <summary>The size of a segment: 32 KiB, well under the large object heap, eight 4 KiB messages or hundreds of ticks.</summary>
    public const int SegmentSize = 32 * 1024;

    /// <summary>The largest message copied into a segment; a larger one gets an array of its own.</summary>
    public const int LargestShared = SegmentSize / 4;

    private readonly ArrayPool<byte> _pool = pool ?? ArrayPool<byte>.Shared;
    private SharedSegment? _segment;
    private int _used;
    private int _shares;

    /// <summary>
    /// A copy of <paramref name="message"/>. With <paramref name="moreWaiting"/> (the message was read without waiting, so
    /// more are likely to follow at once) it goes into the current segment; otherwise the segment is let go and the message
    /// gets an array of its own, so a connection that goes quiet keeps no segment.
    /// </summary>
    public RentedBuffer Copy(ReadOnlySpan<byte> message, bool moreWaiting)
    {
        if (!moreWaiting || message.Length > LargestShared)
        {
            if (!moreWaiting)
            {
                Release();
            }

            return RentedBuffer.CopyOf(message);
        }

        if (_segment is null || SegmentSize - _used < message.Length)
        {
            Release();
            _segment = new SharedSegment(_pool.Rent(SegmentSize), _pool);
        }

        var offset = _used;
        message.CopyTo(_segment.Array.AsSpan(offset));
        _used += message.Length;
        _shares++;
        return RentedBuffer.Share(_segment, offset, message.Length);
    }

    /// <summary>Lets go of the current segment (it returns to the pool once its last share is returned).</summary>
    public void Release()
    {
        if (_segment is { } segment)
        {
            _segment = null;
            var shares = _shares;
            _shares = 0;
            _used = 0;
            segment.Seal(shares);
        }
    }
}
