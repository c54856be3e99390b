using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace RealtimeClient.Inbound;

/// <summary>
/// The messages between the receive loop and the dispatch task: first in, first out, at most a capacity of them, with the
/// overflow policy applied when full (wait for room, or drop the oldest). One reader (the dispatch task); writers one at a
/// time (an ending session's receive loop may still write while the next one starts).
/// </summary>
/// <remarks>
/// Why not a bounded <c>System.Threading.Channels</c> channel, as before: it takes one lock for every write and every read,
/// which the receive loop and the dispatch task then fight over on every message (a profile of a burst of typed messages
/// showed a quarter of the receive path's CPU spinning on it), and a writer waiting for room is released for each single
/// slot read, so a full buffer turned every message into a thread hand-off. Here the messages sit in a lock-free
/// <see cref="ConcurrentQueue{T}"/>; the count and the two waits around it are all that is written by hand: a writer that
/// finds the buffer full (under <see cref="DispatchOverflow.Wait"/>: its capacity, or <see cref="WaitByteBudget"/>) waits
/// until an eighth of it is free (a low-water
/// mark: one wake-up per capacity/8 messages; a deeper swing would return more message segments to the shared pool at
/// once than it keeps, and the receive loop would then allocate new ones),
/// and the reader's wait is one reusable value-task source, so waiting allocates nothing. Both wake-ups run their
/// continuation on the thread pool, never inline on the thread that wakes them. The queue is made by the first write
/// (its first segment is 2.5 KiB, more than the rest of the buffer): a connection that never receives holds none.
/// The receive loop defers waking a waiting reader while messages arrive back to back (up to <see cref="WakeBatch"/>)
/// and wakes it before it waits for the network: a reader that drains faster than messages arrive would otherwise
/// sleep and be woken for nearly every message, and a wake-up costs far more than the dispatch of a small message.
/// </remarks>
internal sealed class DispatchBuffer
{
    /// <summary>
    /// Under the wait policy, the most bytes held (a message is always taken into an empty buffer, whatever its size): 1 MiB.
    /// The messages' memory comes from the shared array pool, which keeps a few dozen arrays of each size; a buffer that
    /// filled with thousands of large messages would take far more than that at the start of every burst and give them
    /// back at its end, and most would be allocated anew each time.
    /// </summary>
    public const int WaitByteBudget = 1024 * 1024;

    /// <summary>
    /// A writer that defers waking the reader (<see cref="WriteAsync"/>) still wakes it once this many messages wait, so
    /// a long burst is dispatched while it arrives: 32.
    /// </summary>
    public const int WakeBatch = 32;

    private ConcurrentQueue<DispatchItem>? _items; // made by the first write: an idle connection's buffer holds no segment
    private readonly int _capacity;
    private readonly int _resumeWritingAt;
    private readonly int _wakeBatch;
    private readonly bool _dropOldest;
    private readonly Action<DispatchItem> _dropped;
    private readonly Lock _writers = new();
    private readonly ReaderWait _readerWait = new();
    private int _count;
    private long _bytes; // of the messages held
    private int _readerWaiting; // 1 while the reader waits for a message (or the end)
    private volatile bool _completed;
    private TaskCompletionSource? _room; // while a writer waits for room (Wait overflow)

    /// <param name="capacity">The most messages held.</param>
    /// <param name="dropOldest">When full, drop the oldest message (<paramref name="dropped"/> gets it) instead of waiting.</param>
    /// <param name="dropped">Takes a dropped message (its bytes included); called by the writer, outside any lock.</param>
    public DispatchBuffer(int capacity, bool dropOldest, Action<DispatchItem> dropped)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _resumeWritingAt = capacity - Math.Max(capacity / 8, 1);
        _wakeBatch = Math.Min(WakeBatch, capacity);
        _dropOldest = dropOldest;
        _dropped = dropped;
    }

    /// <summary>How many messages are held.</summary>
    public int Count => Math.Max(Volatile.Read(ref _count), 0);

    /// <summary>
    /// Adds <paramref name="item"/> unless the buffer is completed (false: the caller keeps the item). When full, drops the
    /// oldest message or, under the wait policy, waits until an eighth of the buffer is free. With
    /// <paramref name="deferWake"/>, a reader waiting for messages is woken only once <see cref="WakeBatch"/> of them wait
    /// (or the buffer is full); the writer then calls <see cref="WakeReader"/> before it waits for anything else.
    /// </summary>
    public ValueTask<bool> WriteAsync(DispatchItem item, CancellationToken ct, bool deferWake = false)
    {
        return TryWrite(item, deferWake, out var full) ? new ValueTask<bool>(true)
            : full ? WaitForRoomThenWriteAsync(item, ct)
            : new ValueTask<bool>(false);
    }

    /// <summary>Wakes a reader waiting for messages, if any wait (after writes that deferred it).</summary>
    public void WakeReader()
    {
        if (HasMessages)
        {
            WakeWaitingReader(hasMessages: true);
        }
    }

    /// <summary>True when there is a message to read; false once completed and empty. One reader at a time.</summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        if (HasMessages)
        {
            return new ValueTask<bool>(true);
        }

        if (_completed)
        {
            return new ValueTask<bool>(HasMessages);
        }

        _readerWait.Reset();
        Volatile.Write(ref _readerWaiting, 1);
        Interlocked.MemoryBarrier();
        if ((HasMessages || _completed) && Interlocked.Exchange(ref _readerWaiting, 0) == 1)
        {
            return new ValueTask<bool>(HasMessages); // nobody will signal: the wait was called off in time
        }

        return _readerWait.Task; // a writer signals (maybe already has)
    }

    /// <summary>Takes the oldest message. Reader only.</summary>
    public bool TryRead(out DispatchItem item)
    {
        if (Volatile.Read(ref _items) is not { } items || !items.TryDequeue(out item))
        {
            item = default;
            return false;
        }

        Interlocked.Add(ref _bytes, -item.Bytes.Length);
        if (Interlocked.Decrement(ref _count) <= _resumeWritingAt && MayResumeWriting && Volatile.Read(ref _room) is { } room
            && Interlocked.CompareExchange(ref _room, null, room) == room)
        {
            room.TrySetResult();
        }

        return true;
    }

    /// <summary>No more writes: the reader gets what is held, then the end; a writer waiting for room stops waiting.</summary>
    public void Complete()
    {
        _completed = true;
        lock (_writers)
        {
            // A writer inside TryWrite finishes first, so nothing is added after the reader was told the end.
        }

        Interlocked.Exchange(ref _room, null)?.TrySetResult();
        WakeWaitingReader(HasMessages);
    }

    /// <summary>The byte side of the low-water mark: an eighth of the byte budget free.</summary>
    private bool MayResumeWriting => Volatile.Read(ref _bytes) <= WaitByteBudget - (WaitByteBudget / 8);

    private bool HasMessages => Volatile.Read(ref _items) is { IsEmpty: false };

    private bool TryWrite(DispatchItem item, bool deferWake, out bool full)
    {
        DispatchItem oldest = default;
        var dropped = false;
        lock (_writers)
        {
            full = false;
            if (_completed)
            {
                return false;
            }

            var count = Volatile.Read(ref _count);
            if (count >= _capacity || (!_dropOldest && count > 0 && Volatile.Read(ref _bytes) + item.Bytes.Length > WaitByteBudget))
            {
                if (!_dropOldest)
                {
                    full = true;
                    return false;
                }

                // The reader may take it first; then there is room anyway.
                if (_items!.TryDequeue(out oldest))
                {
                    Interlocked.Add(ref _bytes, -oldest.Bytes.Length);
                    Interlocked.Decrement(ref _count);
                    dropped = true;
                }
            }

            if (_items is null)
            {
                Volatile.Write(ref _items, new ConcurrentQueue<DispatchItem>());
            }

            _items!.Enqueue(item);
            Interlocked.Add(ref _bytes, item.Bytes.Length);
            if (Interlocked.Increment(ref _count) < _wakeBatch && deferWake && !dropped)
            {
                return true;
            }
        }

        WakeWaitingReader(hasMessages: true);
        if (dropped)
        {
            _dropped(oldest);
        }

        return true;
    }

    private async ValueTask<bool> WaitForRoomThenWriteAsync(DispatchItem item, CancellationToken ct)
    {
        while (true)
        {
            var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _room, room)?.TrySetResult(); // another writer (an ending session's) retries too
            if (TryWrite(item, deferWake: false, out var full))
            {
                Interlocked.CompareExchange(ref _room, null, room);
                return true;
            }

            if (!full)
            {
                return false; // completed
            }

            // Re-checked after publishing the wait: the reader may have gone below the mark before it could see it.
            if (Volatile.Read(ref _count) <= _resumeWritingAt && MayResumeWriting)
            {
                continue;
            }

            WakeReader(); // writes that deferred the wake-up may have filled it: the reader must run to make room
            await room.Task.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private void WakeWaitingReader(bool hasMessages)
    {
        if (Volatile.Read(ref _readerWaiting) == 1 && Interlocked.Exchange(ref _readerWaiting, 0) == 1)
        {
            _readerWait.Signal(hasMessages);
        }
    }

    /// <summary>The reader's wait: one reusable source, completed on the thread pool.</summary>
    private sealed class ReaderWait : IValueTaskSource<bool>
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

        public ValueTask<bool> Task => new(this, _core.Version);

        public void Reset() => _core.Reset();

        public void Signal(bool hasMessages) => _core.SetResult(hasMessages);

        public bool GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
