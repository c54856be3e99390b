using System.Buffers;
using FsCheck;
using FsCheck.Xunit;
using RealtimeClient.Buffers;

namespace RealtimeClient.Tests.Buffers;

/// <summary>
/// Received messages copied out of the receive buffer: back-to-back messages share a segment, which goes back to the pool
/// exactly once, after the writer moved on and every share was returned, in whatever order that happens.
/// </summary>
public class MessageCopierTests
{
    [Fact]
    public void Messages_read_without_waiting_share_one_segment_and_keep_their_bytes()
    {
        var pool = new CountingPool();
        var copier = new MessageCopier(pool);

        var a = copier.Copy("first"u8, moreWaiting: true);
        var b = copier.Copy("second"u8, moreWaiting: true);
        var c = copier.Copy(""u8, moreWaiting: true);

        Assert.Equal(1, pool.Rented);
        Assert.Equal("first"u8.ToArray(), a.Span.ToArray());
        Assert.Equal("second"u8.ToArray(), b.Span.ToArray());
        Assert.Equal(0, c.Span.Length);
        Assert.Equal("second"u8.ToArray(), b.Memory.ToArray());
    }

    [Fact]
    public void The_segment_goes_back_once_after_the_writer_let_go_and_the_last_share_was_returned()
    {
        var pool = new CountingPool();
        var copier = new MessageCopier(pool);
        var a = copier.Copy("a"u8, moreWaiting: true);
        var b = copier.Copy("b"u8, moreWaiting: true);

        a.Return();
        copier.Release();
        Assert.Equal(0, pool.Returned); // b is still out

        b.Return();
        Assert.Equal(1, pool.Returned);

        copier.Release(); // nothing held: nothing more
        Assert.Equal(1, pool.Returned);
    }

    [Fact]
    public void A_message_that_had_to_wait_gets_an_array_of_its_own_and_the_segment_is_let_go()
    {
        var pool = new CountingPool();
        var copier = new MessageCopier(pool);
        var shared = copier.Copy("in a burst"u8, moreWaiting: true);
        shared.Return();
        Assert.Equal(0, pool.Returned); // the writer may still add to it

        var alone = copier.Copy("after a wait"u8, moreWaiting: false);

        Assert.Equal(1, pool.Returned); // the segment, let go by the wait
        Assert.Equal(1, pool.Rented); // the lone message came from the shared pool, not this one
        Assert.Equal("after a wait"u8.ToArray(), alone.Span.ToArray());
        alone.Return();
        Assert.Equal(1, pool.Returned);
    }

    [Fact]
    public void A_large_message_gets_an_array_of_its_own_and_a_full_segment_is_followed_by_a_new_one()
    {
        var pool = new CountingPool();
        var copier = new MessageCopier(pool);
        var large = copier.Copy(new byte[MessageCopier.LargestShared + 1], moreWaiting: true);
        Assert.Equal(0, pool.Rented);

        var shares = new List<RentedBuffer>();
        var message = new byte[MessageCopier.LargestShared];
        for (var i = 0; i < (MessageCopier.SegmentSize / MessageCopier.LargestShared) + 1; i++)
        {
            message.AsSpan().Fill((byte)i);
            shares.Add(copier.Copy(message, moreWaiting: true));
        }

        Assert.Equal(2, pool.Rented);
        for (var i = 0; i < shares.Count; i++)
        {
            Assert.True(shares[i].Span.IndexOfAnyExcept((byte)i) < 0, $"message {i} was overwritten");
        }

        shares.ForEach(s => s.Return());
        Assert.Equal(1, pool.Returned); // the first, full, segment; the second is still the writer's
        copier.Release();
        Assert.Equal(2, pool.Returned);
        large.Return();
    }

    [Property(MaxTest = 300)]
    public void Whatever_the_order_of_returns_and_release_each_segment_goes_back_exactly_once_after_its_last_use(PositiveInt messages, int seed)
    {
        var count = (messages.Get % 40) + 1;
        var pool = new CountingPool();
        var copier = new MessageCopier(pool);
        var random = new Random(seed);
        var outstanding = new List<RentedBuffer>();
        var released = false;
        for (var i = 0; i < count; i++)
        {
            outstanding.Add(copier.Copy(new byte[random.Next(0, 64)], moreWaiting: true));
        }

        // Return the shares in a random order, with the writer letting go at a random point.
        var releaseAt = random.Next(0, count + 1);
        for (var returned = 0; outstanding.Count > 0; returned++)
        {
            if (returned == releaseAt)
            {
                copier.Release();
                released = true;
            }

            Assert.Equal(0, pool.Returned);
            var pick = random.Next(outstanding.Count);
            outstanding[pick].Return();
            outstanding.RemoveAt(pick);
        }

        Assert.Equal(released ? 1 : 0, pool.Returned);
        copier.Release();
        Assert.Equal(1, pool.Rented);
        Assert.Equal(1, pool.Returned);
    }

    /// <summary>A pool that counts what it lends and gets back, and refuses to get the same array back twice.</summary>
    private sealed class CountingPool : ArrayPool<byte>
    {
        private readonly HashSet<byte[]> _out = new(ReferenceEqualityComparer.Instance);

        public int Rented { get; private set; }

        public int Returned { get; private set; }

        public override byte[] Rent(int minimumLength)
        {
            var array = new byte[minimumLength];
            _out.Add(array);
            Rented++;
            return array;
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            Assert.True(_out.Remove(array), "an array came back that was not out (or came back twice)");
            Returned++;
        }
    }
}
