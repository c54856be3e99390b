using System.Buffers;

namespace RealtimeClient.Buffers;

/// <summary>
/// One array rented from <see cref="ArrayPool{T}.Shared"/> that many small messages are copied into one after another
/// (by <see cref="MessageCopier"/>) and handed on as shares (<see cref="RentedBuffer.Share"/>). It goes back to the pool
/// once its writer has moved on (<see cref="Seal"/>) and every share has been returned, whichever comes last.
/// </summary>
/// <remarks>
/// Why not one rented array per message: the receive loop rents and the dispatch task returns, on another thread, while up
/// to a full dispatch buffer of messages is in between. The shared pool keeps few arrays per size near each core, so most
/// of those rents missed, allocated a new array that lived through a collection in the buffer, and was dropped on return:
/// measured, a fifth more allocation than a bare socket on 4 KiB echoes, and a third of the receive path's CPU in GC.
/// One segment serves dozens of messages, so the pool sees dozens of times fewer rents.
/// </remarks>
internal sealed class SharedSegment(byte[] array, ArrayPool<byte> pool)
{
    // Shares returned count down from 0; the writer adds how many it handed out when it seals. Zero after both: done.
    private int _balance;

    public byte[] Array { get; } = array;

    /// <summary>A reader is done with one share.</summary>
    public void ReturnShare()
    {
        if (Interlocked.Decrement(ref _balance) == 0)
        {
            pool.Return(Array);
        }
    }

    /// <summary>The writer has moved on after handing out <paramref name="shares"/> shares.</summary>
    public void Seal(int shares)
    {
        if (Interlocked.Add(ref _balance, shares) == 0)
        {
            pool.Return(Array);
        }
    }
}
