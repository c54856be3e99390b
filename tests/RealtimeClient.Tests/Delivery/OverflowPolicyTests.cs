using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Delivery;

/// <summary>
/// The four overflow policies of the outbound queue, each by itself: at-most-once sends during an outage into a queue of
/// capacity 100, and the edges where the only queued message is being written.
/// </summary>
public sealed class OverflowPolicyTests
{
    private const int Capacity = 100;
    private const int Sends = 1_000;

    /// <summary>An at-most-once send that goes through the queue even when the fast path is open (it has a time to live).</summary>
    private static readonly SendOptions Queued = new() { TimeToLive = TimeSpan.FromHours(1) };

    private static Func<RealtimeOptions, RealtimeOptions> WithQueue(QueueOverflow overflow, int capacity = Capacity, long? maxBytes = null) =>
        o => WithOutages(o) with { Queue = new QueueOptions { MaxMessages = capacity, MaxBytes = maxBytes ?? o.Queue.MaxBytes, Overflow = overflow } };

    private static Task[] SendMany(Harness h, int count, string prefix = "m")
    {
        var sends = new Task[count];
        for (var i = 0; i < count; i++)
        {
            sends[i] = h.Connection.SendTextAsync(prefix + i).AsTask();
        }

        return sends;
    }

    [Fact]
    public async Task Drop_oldest_fails_the_first_900_with_Dropped_and_delivers_the_last_100_in_order_after_reconnect()
    {
        await using var h = new Harness(WithQueue(QueueOverflow.DropOldest));
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());

        var sends = SendMany(h, Sends);

        for (var i = 0; i < Sends - Capacity; i++)
        {
            Assert.Equal(DeliveryFailureReason.Dropped, (await FailureOf(sends[i])).Reason);
        }

        Assert.All(sends[(Sends - Capacity)..], s => Assert.False(s.IsCompleted));
        Assert.Equal(Capacity, h.Connection.PendingCount);
        Assert.Equal(Sends - Capacity, h.Errors.Values.Count(e => e.Kind == ErrorKind.MessageDropped));

        var second = await outage.HealAsync();
        await Task.WhenAll(sends[(Sends - Capacity)..]).Safe();
        var texts = await ReceiveTextsAsync(second, Capacity);
        Assert.Equal(Enumerable.Range(Sends - Capacity, Capacity).Select(i => "m" + i), texts);
        Assert.Equal(Capacity, second.Received.Count);
    }

    [Fact]
    public async Task Drop_newest_keeps_the_first_99_and_the_last_send_and_fails_the_900_between_with_Dropped()
    {
        await using var h = new Harness(WithQueue(QueueOverflow.DropNewest));
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());

        var sends = SendMany(h, Sends);

        // Each send beyond capacity takes the place of the newest queued message: the one sent just before it.
        for (var i = Capacity - 1; i < Sends - 1; i++)
        {
            Assert.Equal(DeliveryFailureReason.Dropped, (await FailureOf(sends[i])).Reason);
        }

        var kept = sends[..(Capacity - 1)].Append(sends[^1]).ToArray();
        Assert.All(kept, s => Assert.False(s.IsCompleted));
        Assert.Equal(Capacity, h.Connection.PendingCount);
        Assert.Equal(Sends - Capacity, h.Errors.Values.Count(e => e.Kind == ErrorKind.MessageDropped));

        var second = await outage.HealAsync();
        await Task.WhenAll(kept).Safe();
        var texts = await ReceiveTextsAsync(second, Capacity);
        Assert.Equal(Enumerable.Range(0, Capacity - 1).Append(Sends - 1).Select(i => "m" + i), texts);
        Assert.Equal(Capacity, second.Received.Count);
    }

    [Fact]
    public async Task Reject_new_delivers_the_first_100_in_order_and_fails_the_other_900_with_QueueFull()
    {
        await using var h = new Harness(WithQueue(QueueOverflow.RejectNew));
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());

        var sends = SendMany(h, Sends);

        for (var i = Capacity; i < Sends; i++)
        {
            Assert.True(sends[i].IsCompleted, "a refused send fails at once");
            Assert.Equal(DeliveryFailureReason.QueueFull, (await FailureOf(sends[i])).Reason);
        }

        Assert.All(sends[..Capacity], s => Assert.False(s.IsCompleted));
        Assert.Equal(Sends - Capacity, h.Errors.Values.Count(e => e.Kind == ErrorKind.MessageDropped));

        var second = await outage.HealAsync();
        await Task.WhenAll(sends[..Capacity]).Safe();
        var texts = await ReceiveTextsAsync(second, Capacity);
        Assert.Equal(Enumerable.Range(0, Capacity).Select(i => "m" + i), texts);
        Assert.Equal(Capacity, second.Received.Count);
    }

    [Fact]
    public async Task Wait_holds_senders_beyond_capacity_and_delivers_all_1000_in_order_of_enqueue_after_reconnect()
    {
        await using var h = new Harness(WithQueue(QueueOverflow.Wait));
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());

        var sends = SendMany(h, Sends);

        Assert.Equal(Capacity, h.Connection.PendingCount);
        Assert.All(sends, s => Assert.False(s.IsCompleted));

        // Time passes in the outage (short of the reconnect): the 101st sender still waits for room.
        h.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(ConnectionState.Reconnecting, h.Connection.State);
        Assert.False(sends[Capacity].IsCompleted);
        Assert.Empty(h.Errors.Values);

        var second = await outage.HealAsync();
        await Task.WhenAll(sends).Safe();
        var texts = await ReceiveTextsAsync(second, Sends);
        Assert.Equal(Enumerable.Range(0, Sends).Select(i => "m" + i), texts);
        Assert.Equal(Sends, second.Received.Count);
    }

    [Fact]
    public async Task Wait_cancelling_a_waiting_send_fails_it_with_Cancelled_and_the_others_still_go_in_order()
    {
        await using var h = new Harness(WithQueue(QueueOverflow.Wait));
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());

        using var cancel = new CancellationTokenSource();
        var sends = new Task[Capacity + 10];
        for (var i = 0; i < sends.Length; i++)
        {
            sends[i] = h.Connection.SendTextAsync("m" + i, cancellationToken: i == Capacity + 5 ? cancel.Token : default).AsTask();
        }

        Assert.False(sends[Capacity + 5].IsCompleted);
        cancel.Cancel();
        Assert.Equal(DeliveryFailureReason.Cancelled, (await FailureOf(sends[Capacity + 5])).Reason);
        Assert.All(sends.Where((_, i) => i != Capacity + 5), s => Assert.False(s.IsCompleted));

        var second = await outage.HealAsync();
        var delivered = sends.Where((_, i) => i != Capacity + 5).ToArray();
        await Task.WhenAll(delivered).Safe();
        var texts = await ReceiveTextsAsync(second, delivered.Length);
        Assert.Equal(Enumerable.Range(0, sends.Length).Where(i => i != Capacity + 5).Select(i => "m" + i), texts);
    }

    [Fact]
    public async Task Wait_a_waiting_send_fails_with_ConnectionClosed_when_the_connection_stops()
    {
        await using var h = new Harness(WithQueue(QueueOverflow.Wait));
        await BreakAsync(h, await h.StartAndAcceptAsync());

        var sends = SendMany(h, Capacity + 1);

        Assert.False(sends[Capacity].IsCompleted);
        await h.Connection.StopAsync().Safe();

        foreach (var send in sends)
        {
            Assert.Equal(DeliveryFailureReason.ConnectionClosed, (await FailureOf(send)).Reason);
        }

        Assert.Equal(0, h.Connection.PendingCount);
    }

    [Theory]
    [InlineData(QueueOverflow.Wait)]
    [InlineData(QueueOverflow.DropOldest)]
    [InlineData(QueueOverflow.DropNewest)]
    public async Task When_the_only_queued_message_is_being_written_a_new_send_waits_for_it_and_nothing_is_dropped(QueueOverflow overflow)
    {
        await using var h = new Harness(WithQueue(overflow, capacity: 1));
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();

        var first = h.Connection.SendTextAsync("first", Queued).AsTask();
        await server.ClientWriteBlocked.Safe();
        var second = h.Connection.SendTextAsync("second", Queued).AsTask();

        // The message on the wire cannot be dropped: the new one waits for room.
        Assert.False(second.IsCompleted);
        Assert.Equal(1, h.Connection.PendingCount);

        server.ReleaseClientWrites();
        await Task.WhenAll(first, second).Safe();
        Assert.Equal(["first", "second"], await ReceiveTextsAsync(server, 2));
        Assert.DoesNotContain(h.Errors.Values, e => e.Kind == ErrorKind.MessageDropped);
    }

    [Fact]
    public async Task Reject_new_refuses_a_send_while_the_only_queued_message_is_being_written()
    {
        await using var h = new Harness(WithQueue(QueueOverflow.RejectNew, capacity: 1));
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();

        var first = h.Connection.SendTextAsync("first", Queued).AsTask();
        await server.ClientWriteBlocked.Safe();
        var second = h.Connection.SendTextAsync("second", Queued).AsTask();

        Assert.Equal(DeliveryFailureReason.QueueFull, (await FailureOf(second)).Reason);
        server.ReleaseClientWrites();
        await first.Safe();
        Assert.Equal("first", (await server.ReceiveAsync().Safe()).Text);
        await h.Connection.SendTextAsync("third").AsTask().Safe();
        Assert.Equal("third", (await server.ReceiveAsync().Safe()).Text);
    }

    [Theory]
    [InlineData(QueueOverflow.DropOldest)]
    [InlineData(QueueOverflow.DropNewest)]
    public async Task A_send_waiting_behind_a_write_that_then_fails_is_admitted_by_the_policy_and_later_sends_do_not_wait(QueueOverflow overflow)
    {
        await using var h = new Harness(WithQueue(overflow, capacity: 1));
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var first = h.Connection.SendTextAsync("first", Queued).AsTask();
        await server.ClientWriteBlocked.Safe();
        var second = h.Connection.SendTextAsync("second", Queued).AsTask();
        Assert.False(second.IsCompleted);

        // The socket dies under the write: "first" is back in the queue, no longer on the wire, so the policy decides.
        var outage = await BreakAsync(h, server);
        Assert.Equal(DeliveryFailureReason.Dropped, (await FailureOf(first)).Reason);
        Assert.False(second.IsCompleted);

        // A capacity of one under a drop policy keeps the latest message: later sends replace it and never wait.
        var third = h.Connection.SendTextAsync("third", Queued).AsTask();
        Assert.Equal(DeliveryFailureReason.Dropped, (await FailureOf(second)).Reason);
        Assert.Equal(1, h.Connection.PendingCount);

        var next = await outage.HealAsync();
        await third.Safe();
        Assert.Equal("third", (await next.ReceiveAsync().Safe()).Text);
        Assert.Single(next.Received);
    }

    [Theory]
    [InlineData(QueueOverflow.DropOldest, new[] { "a", "b", "c" })]
    [InlineData(QueueOverflow.DropNewest, new[] { "c", "b", "a" })]
    public async Task A_drop_policy_drops_as_many_messages_as_a_large_send_needs(QueueOverflow overflow, string[] droppedInOrder)
    {
        // Room for three 10-byte messages; a 25-byte one needs all three gone.
        await using var h = new Harness(WithQueue(overflow, maxBytes: 30));
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());
        using var dropped = new Recorder<RealtimeError>(h.Connection.Errors);
        var small = new[] { "a", "b", "c" }.ToDictionary(s => s, s => h.Connection.SendTextAsync(new string(s[0], 10)).AsTask());

        var large = h.Connection.SendTextAsync(new string('L', 25)).AsTask();

        foreach (var name in droppedInOrder)
        {
            Assert.Equal(DeliveryFailureReason.Dropped, (await FailureOf(small[name])).Reason);
        }

        Assert.Equal(3, dropped.Values.Count(e => e.Kind == ErrorKind.MessageDropped));
        Assert.Equal(1, h.Connection.PendingCount);
        var next = await outage.HealAsync();
        await large.Safe();
        Assert.Equal(new string('L', 25), (await next.ReceiveAsync().Safe()).Text);
    }

    [Fact]
    public async Task Wait_a_send_waiting_for_room_fails_with_Expired_when_its_time_to_live_runs_out_and_the_others_still_go()
    {
        await using var h = new Harness(WithQueue(QueueOverflow.Wait, capacity: 1));
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());
        var first = h.Connection.SendTextAsync("first").AsTask();
        var expiring = h.Connection.SendTextAsync("expiring", new SendOptions { TimeToLive = TimeSpan.FromSeconds(5) }).AsTask();
        var last = h.Connection.SendTextAsync("last").AsTask();

        await h.Clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(5)).Safe();
        h.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(DeliveryFailureReason.Expired, (await FailureOf(expiring)).Reason);
        var next = await outage.HealAsync();
        await Task.WhenAll(first, last).Safe();
        Assert.Equal(["first", "last"], await ReceiveTextsAsync(next, 2));
    }
}
