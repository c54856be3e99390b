using System.Text;
using FsCheck;
using FsCheck.Xunit;
using RealtimeClient.Buffers;
using RealtimeClient.Inbound;

namespace RealtimeClient.Tests.Dispatch;

/// <summary>
/// The buffer between the receive loop and the dispatch task: first in, first out, never more than its capacity, the
/// oldest dropped or the writer held back when full, and every wait ended by a write, a read or the end.
/// </summary>
public class DispatchBufferTests
{
    [Fact]
    public async Task Messages_come_out_in_the_order_they_went_in()
    {
        var buffer = new DispatchBuffer(8, dropOldest: false, _ => Assert.Fail("nothing is dropped"));
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await buffer.WriteAsync(Item(i), CancellationToken.None));
        }

        Assert.Equal(5, buffer.Count);
        Assert.Equal([0, 1, 2, 3, 4], ReadAll(buffer));
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public async Task When_full_the_oldest_message_is_dropped_and_handed_over()
    {
        var dropped = new List<int>();
        var buffer = new DispatchBuffer(3, dropOldest: true, item => dropped.Add(Number(item)));
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await buffer.WriteAsync(Item(i), CancellationToken.None));
        }

        Assert.Equal([0, 1], dropped);
        Assert.Equal(3, buffer.Count);
        Assert.Equal([2, 3, 4], ReadAll(buffer));
    }

    [Fact]
    public async Task When_full_a_writer_waits_until_an_eighth_of_the_buffer_is_free()
    {
        var buffer = new DispatchBuffer(16, dropOldest: false, _ => Assert.Fail("nothing is dropped"));
        for (var i = 0; i < 16; i++)
        {
            Assert.True(await buffer.WriteAsync(Item(i), CancellationToken.None));
        }

        var next = buffer.WriteAsync(Item(16), CancellationToken.None).AsTask();
        Assert.False(next.IsCompleted);

        Assert.True(buffer.TryRead(out var first));
        Assert.Equal(0, Number(first));
        Assert.False(next.IsCompleted); // one free slot is not enough to wake it: that would be a wake-up per message

        Assert.True(buffer.TryRead(out var second));
        Assert.Equal(1, Number(second));
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10))); // 14 left, 2 of 16 free: woken, and written
        Assert.Equal([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], ReadAll(buffer));
    }

    [Fact]
    public async Task Under_the_wait_policy_the_bytes_held_are_bounded_too_but_an_empty_buffer_takes_any_message()
    {
        var buffer = new DispatchBuffer(1024, dropOldest: false, _ => Assert.Fail("nothing is dropped"));
        var huge = Sized(DispatchBuffer.WaitByteBudget + 1);
        Assert.True(await buffer.WriteAsync(huge, CancellationToken.None)); // alone: taken
        var small = buffer.WriteAsync(Item(1), CancellationToken.None).AsTask();
        Assert.False(small.IsCompleted); // over the budget with it

        Assert.True(buffer.TryRead(out var first));
        Assert.Equal(DispatchBuffer.WaitByteBudget + 1, first.Bytes.Length);
        first.Bytes.Return();
        Assert.True(await small.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([1], ReadAll(buffer));
    }

    [Fact]
    public async Task Under_drop_oldest_only_the_count_bounds_the_buffer()
    {
        var buffer = new DispatchBuffer(4, dropOldest: true, _ => Assert.Fail("nothing is dropped"));
        Assert.True(await buffer.WriteAsync(Sized(DispatchBuffer.WaitByteBudget), CancellationToken.None));
        Assert.True(await buffer.WriteAsync(Sized(DispatchBuffer.WaitByteBudget), CancellationToken.None));
        Assert.Equal(2, buffer.Count);
        while (buffer.TryRead(out var item))
        {
            item.Bytes.Return();
        }
    }

    [Fact]
    public async Task A_buffer_of_one_wakes_its_writer_at_the_first_free_slot()
    {
        var buffer = new DispatchBuffer(1, dropOldest: false, _ => Assert.Fail("nothing is dropped"));
        Assert.True(await buffer.WriteAsync(Item(0), CancellationToken.None));
        var next = buffer.WriteAsync(Item(1), CancellationToken.None).AsTask();
        Assert.False(next.IsCompleted);
        Assert.True(buffer.TryRead(out var first));
        Assert.Equal(0, Number(first));
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([1], ReadAll(buffer));
    }

    [Fact]
    public async Task A_writer_waiting_for_room_stops_when_the_buffer_completes_or_its_token_is_cancelled()
    {
        var buffer = new DispatchBuffer(1, dropOldest: false, _ => Assert.Fail("nothing is dropped"));
        Assert.True(await buffer.WriteAsync(Item(0), CancellationToken.None));
        using var cancel = new CancellationTokenSource();
        var cancelled = buffer.WriteAsync(Item(1), cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(10)));

        var waiting = buffer.WriteAsync(Item(2), CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        buffer.Complete();
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(10))); // not taken: the caller keeps the message
        Assert.False(await buffer.WriteAsync(Item(3), CancellationToken.None));
        Assert.Equal([0], ReadAll(buffer));
    }

    [Fact]
    public async Task A_reader_waiting_for_a_message_is_woken_by_a_write_and_told_the_end_after_the_last_one()
    {
        var buffer = new DispatchBuffer(4, dropOldest: true, _ => Assert.Fail("nothing is dropped"));
        var wait = buffer.WaitToReadAsync().AsTask();
        Assert.False(wait.IsCompleted);

        Assert.True(await buffer.WriteAsync(Item(7), CancellationToken.None));
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([7], ReadAll(buffer));

        var again = buffer.WaitToReadAsync().AsTask(); // the same source, reused
        Assert.False(again.IsCompleted);
        Assert.True(await buffer.WriteAsync(Item(8), CancellationToken.None));
        buffer.Complete();
        Assert.True(await again.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await buffer.WaitToReadAsync()); // what was written before the end is still read
        Assert.Equal([8], ReadAll(buffer));
        Assert.False(await buffer.WaitToReadAsync());
    }

    [Fact]
    public async Task A_reader_waiting_on_an_empty_buffer_is_told_the_end()
    {
        var buffer = new DispatchBuffer(4, dropOldest: false, _ => Assert.Fail("nothing is dropped"));
        var wait = buffer.WaitToReadAsync().AsTask();
        buffer.Complete();
        Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(await buffer.WaitToReadAsync());
    }

    [Fact]
    public async Task Deferred_writes_wake_a_waiting_reader_only_at_the_batch_size_or_when_asked()
    {
        var buffer = new DispatchBuffer(1024, dropOldest: false, _ => Assert.Fail("nothing is dropped"));
        var wait = buffer.WaitToReadAsync().AsTask();
        for (var i = 0; i < DispatchBuffer.WakeBatch - 1; i++)
        {
            Assert.True(await buffer.WriteAsync(Item(i), CancellationToken.None, deferWake: true));
        }

        Assert.False(wait.IsCompleted); // a burst still arriving: not woken per message
        Assert.True(await buffer.WriteAsync(Item(DispatchBuffer.WakeBatch - 1), CancellationToken.None, deferWake: true));
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10))); // a batch waits: woken
        Assert.Equal(DispatchBuffer.WakeBatch, ReadAll(buffer).Length);

        var second = buffer.WaitToReadAsync().AsTask();
        Assert.True(await buffer.WriteAsync(Item(100), CancellationToken.None, deferWake: true));
        Assert.False(second.IsCompleted);
        buffer.WakeReader(); // the writer is about to wait for the network
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([100], ReadAll(buffer));
    }

    [Fact]
    public async Task A_small_buffer_filled_by_deferred_writes_wakes_its_reader_before_the_writer_waits_for_room()
    {
        var buffer = new DispatchBuffer(2, dropOldest: false, _ => Assert.Fail("nothing is dropped"));
        var wait = buffer.WaitToReadAsync().AsTask();
        Assert.True(await buffer.WriteAsync(Item(0), CancellationToken.None, deferWake: true));
        Assert.False(wait.IsCompleted);
        Assert.True(await buffer.WriteAsync(Item(1), CancellationToken.None, deferWake: true)); // full: a batch of its size
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));

        var third = buffer.WriteAsync(Item(2), CancellationToken.None, deferWake: true).AsTask();
        Assert.False(third.IsCompleted);
        Assert.True(buffer.TryRead(out var first));
        Assert.Equal(0, Number(first));
        Assert.True(await third.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([1, 2], ReadAll(buffer));
    }

    [Property(MaxTest = 300)]
    public void Under_drop_oldest_any_sequence_of_writes_and_reads_keeps_the_newest_in_order_within_the_capacity(PositiveInt capacity, bool[] steps)
    {
        var cap = (capacity.Get % 8) + 1;
        var dropped = new List<int>();
        var buffer = new DispatchBuffer(cap, dropOldest: true, item => dropped.Add(Number(item)));
        var model = new Queue<int>();
        var read = new List<int>();
        var expectedRead = new List<int>();
        var expectedDropped = new List<int>();
        var next = 0;
        foreach (var write in steps)
        {
            if (write)
            {
                if (model.Count == cap)
                {
                    expectedDropped.Add(model.Dequeue());
                }

                model.Enqueue(next);
                var written = buffer.WriteAsync(Item(next++), CancellationToken.None).AsTask();
                Assert.True(written.IsCompletedSuccessfully && written.Result, "a write under drop-oldest never waits");
            }
            else if (model.Count > 0)
            {
                expectedRead.Add(model.Dequeue());
                Assert.True(buffer.TryRead(out var item));
                read.Add(Number(item));
            }
            else
            {
                Assert.False(buffer.TryRead(out _));
            }

            Assert.Equal(model.Count, buffer.Count);
        }

        Assert.Equal(expectedRead, read);
        Assert.Equal(expectedDropped, dropped);
        Assert.Equal(model.ToArray(), ReadAll(buffer));
    }

    private static DispatchItem Item(int n) =>
        new(MessageKind.Text, RentedBuffer.CopyOf(Encoding.UTF8.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture))), header: null);

    private static DispatchItem Sized(int length) => new(MessageKind.Binary, RentedBuffer.CopyOf(new byte[length]), header: null);

    private static int Number(DispatchItem item)
    {
        var n = int.Parse(Encoding.UTF8.GetString(item.Span), System.Globalization.CultureInfo.InvariantCulture);
        item.Bytes.Return();
        return n;
    }

    private static int[] ReadAll(DispatchBuffer buffer)
    {
        var all = new List<int>();
        while (buffer.TryRead(out var item))
        {
            all.Add(Number(item));
        }

        return [.. all];
    }
}
