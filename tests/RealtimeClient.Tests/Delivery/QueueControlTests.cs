using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Delivery;

/// <summary>What an app does with the queue: clear it, wait for it to drain, and bound the size of what enters it.</summary>
public sealed class QueueControlTests
{
    private static readonly SendOptions Queued = new() { TimeToLive = TimeSpan.FromHours(1) };

    [Fact]
    public async Task ClearQueue_fails_everything_queued_and_unacknowledged_with_Cancelled_and_none_of_it_is_sent_later()
    {
        await using var h = new Harness(WithOutages);
        var server = await h.StartAndAcceptAsync();
        var inFlight = h.Connection.SendTextAsync(Envelope("a1"), Acked("a1")).AsTask();
        await server.ReceiveAsync().Safe();
        var outage = await BreakAsync(h, server);
        var queued = new[] { h.Connection.SendTextAsync("q1").AsTask(), h.Connection.SendTextAsync(Envelope("q2"), Acked("q2")).AsTask() };

        Assert.Equal(3, h.Connection.ClearQueue());

        foreach (var send in queued.Prepend(inFlight))
        {
            Assert.Equal(DeliveryFailureReason.Cancelled, (await FailureOf(send)).Reason);
        }

        Assert.Equal(0, h.Connection.PendingCount);
        Assert.Equal(0, h.Connection.UnacknowledgedCount);
        var next = await outage.HealAsync();
        await h.Connection.SendTextAsync("after").AsTask().Safe();
        Assert.Equal("after", (await next.ReceiveAsync().Safe()).Text);
        Assert.Single(next.Received);
        Assert.Equal(0, h.Connection.ClearQueue());
    }

    [Fact]
    public async Task ClearQueue_leaves_the_message_being_written_alone()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var writing = h.Connection.SendTextAsync("writing", Queued).AsTask();
        await server.ClientWriteBlocked.Safe();
        var waiting = h.Connection.SendTextAsync("waiting").AsTask();

        Assert.Equal(1, h.Connection.ClearQueue());

        Assert.Equal(DeliveryFailureReason.Cancelled, (await FailureOf(waiting)).Reason);
        server.ReleaseClientWrites();
        await writing.Safe();
        Assert.Equal("writing", (await server.ReceiveAsync().Safe()).Text);
        await h.Connection.SendTextAsync("after").AsTask().Safe();
        Assert.Equal("after", (await server.ReceiveAsync().Safe()).Text);
    }

    [Fact]
    public async Task DrainAsync_returns_true_once_everything_is_written_and_acknowledged()
    {
        await using var h = new Harness(WithOutages);
        var server = await h.StartAndAcceptAsync();
        var outage = await BreakAsync(h, server);
        var sends = new[] { h.Connection.SendTextAsync("q1").AsTask(), h.Connection.SendTextAsync(Envelope("a1"), Acked("a1")).AsTask() };

        var drained = h.Connection.DrainAsync(TimeSpan.FromMinutes(10));
        Assert.False(drained.IsCompleted);
        var next = await outage.HealAsync();
        Assert.Equal(["q1", Envelope("a1")], await ReceiveTextsAsync(next, 2));
        Assert.False(drained.IsCompleted);

        await AckAsync(next, "a1");
        Assert.True(await drained.Safe());
        await Task.WhenAll(sends).Safe();
    }

    [Fact]
    public async Task DrainAsync_returns_false_when_the_timeout_passes_first_and_the_messages_stay_queued()
    {
        await using var h = new Harness(WithOutages);
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());
        var send = h.Connection.SendTextAsync("q1").AsTask();

        var drained = h.Connection.DrainAsync(TimeSpan.FromSeconds(5));
        await h.Clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(5)).Safe();
        h.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.False(await drained.Safe());
        Assert.Equal(1, h.Connection.PendingCount);
        var next = await outage.HealAsync();
        await send.Safe();
        Assert.Equal("q1", (await next.ReceiveAsync().Safe()).Text);
        Assert.True(await h.Connection.DrainAsync(TimeSpan.FromSeconds(5)).Safe());
    }

    [Fact]
    public async Task DrainAsync_of_an_idle_connection_returns_true_at_once()
    {
        await using var h = new Harness();
        Assert.True(await h.Connection.DrainAsync(TimeSpan.Zero).Safe());
    }

    [Fact]
    public async Task DrainAsync_waits_for_a_write_under_way_on_the_direct_path()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var send = h.Connection.SendTextAsync("direct").AsTask(); // nothing queued: written on the caller's path
        await server.ClientWriteBlocked.Safe();

        var drained = h.Connection.DrainAsync(TimeSpan.FromMinutes(1));
        Assert.False(drained.IsCompleted);

        server.ReleaseClientWrites();
        Assert.True(await drained.Safe());
        await send.Safe(); // written (its own completion may come a moment after the lock that DrainAsync waits for is free)
    }

    [Fact]
    public async Task A_send_larger_than_MaxOutboundMessageSize_fails_with_TooLarge_before_it_is_queued()
    {
        await using var h = new Harness(o => WithOutages(o) with { MaxOutboundMessageSize = 16 });
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());

        var tooLarge = new[]
        {
            h.Connection.SendTextAsync(new string('x', 17)).AsTask(),
            h.Connection.SendBinaryAsync(new byte[17]).AsTask(),
            h.Connection.SendAsync("chat", new { text = "longer than sixteen bytes" }).AsTask(),
            h.Connection.SendTextAsync(new string('x', 17), SendOptions.Volatile).AsTask(),
        };
        var fits = h.Connection.SendTextAsync(new string('y', 16)).AsTask();

        foreach (var send in tooLarge)
        {
            Assert.True(send.IsCompleted, "checked before the message is queued");
            Assert.Equal(DeliveryFailureReason.TooLarge, (await FailureOf(send)).Reason);
        }

        Assert.Equal(1, h.Connection.PendingCount);
        var next = await outage.HealAsync();
        await fits.Safe();
        Assert.Equal(new string('y', 16), (await next.ReceiveAsync().Safe()).Text);
        Assert.Single(next.Received);
    }

    [Fact]
    public async Task A_send_larger_than_the_queues_byte_capacity_fails_with_TooLarge()
    {
        await using var h = new Harness(o => o with { Queue = o.Queue with { MaxBytes = 16 } });

        var send = h.Connection.SendTextAsync(new string('x', 17)).AsTask();

        Assert.Equal(DeliveryFailureReason.TooLarge, (await FailureOf(send)).Reason);
        Assert.Equal(0, h.Connection.PendingCount);
    }

    [Theory]
    [InlineData(DeliveryMode.AtMostOnce)]
    [InlineData(DeliveryMode.AtLeastOnce)]
    public async Task A_send_cancelled_while_its_write_hangs_fails_with_Cancelled_when_the_write_fails_and_is_not_written_again(DeliveryMode mode)
    {
        await using var h = new Harness(WithOutages);
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        using var cancel = new CancellationTokenSource();
        var send = h.Connection.SendTextAsync(Envelope("m1"), new SendOptions { Delivery = mode, MessageId = "m1", TimeToLive = TimeSpan.FromHours(1) }, cancel.Token).AsTask();
        await server.ClientWriteBlocked.Safe();

        cancel.Cancel();
        Assert.False(send.IsCompleted); // a write under way is not cut short
        var outage = await BreakAsync(h, server);

        Assert.Equal(DeliveryFailureReason.Cancelled, (await FailureOf(send)).Reason);
        Assert.Equal(0, h.Connection.PendingCount);
        var next = await outage.HealAsync();
        await h.Connection.SendTextAsync("marker").AsTask().Safe();
        Assert.Equal("marker", (await next.ReceiveAsync().Safe()).Text);
        Assert.Single(next.Received);
    }

    [Fact]
    public async Task An_acknowledged_send_cancelled_while_its_write_hangs_fails_with_Cancelled_once_written()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        using var cancel = new CancellationTokenSource();
        var send = h.Connection.SendTextAsync(Envelope("m1"), Acked("m1"), cancel.Token).AsTask();
        await server.ClientWriteBlocked.Safe();

        cancel.Cancel();
        server.ReleaseClientWrites();

        Assert.Equal(DeliveryFailureReason.Cancelled, (await FailureOf(send)).Reason);
        Assert.Equal(Envelope("m1"), (await server.ReceiveAsync().Safe()).Text);
        Assert.Equal(0, h.Connection.UnacknowledgedCount);
    }
}
