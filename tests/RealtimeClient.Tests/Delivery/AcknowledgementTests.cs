using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Delivery;

/// <summary>Acknowledged delivery: the ack timeout and its two actions, the in-flight window, and time to live past the queue.</summary>
public sealed class AcknowledgementTests
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);

    private static Func<RealtimeOptions, RealtimeOptions> Acks(AckTimeoutAction action = AckTimeoutAction.Resend, int maxInFlight = 1000) => o => WithOutages(o) with
    {
        Acknowledgements = o.Acknowledgements with { AckTimeout = AckTimeout, OnAckTimeout = action, MaxInFlight = maxInFlight },
    };

    private static Task Send(Harness h, string id, TimeSpan? timeToLive = null) =>
        h.Connection.SendTextAsync(Envelope(id), Acked(id, timeToLive)).AsTask();

    private static async Task<List<string?>> ReceiveIdsAsync(global::RealtimeClient.Testing.FakeServerConnection server, int count)
    {
        List<string?> ids = [];
        for (var i = 0; i < count; i++)
        {
            ids.Add(IdOf(await server.ReceiveAsync().Safe()));
        }

        return ids;
    }

    [Fact]
    public async Task Without_an_ack_in_time_a_message_fails_with_AckTimeout_when_the_action_is_Fail_and_is_not_written_again()
    {
        await using var h = new Harness(Acks(AckTimeoutAction.Fail));
        var server = await h.StartAndAcceptAsync();
        var first = Send(h, "m1");
        var second = Send(h, "m2");
        Assert.Equal(["m1", "m2"], await ReceiveIdsAsync(server, 2));
        await AckAsync(server, "m2");
        await second.Safe();

        await h.Clock.WaitForTimerAsync(d => d == AckTimeout).Safe();
        h.Clock.Advance(AckTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(first.IsCompleted);
        h.Clock.Advance(TimeSpan.FromMilliseconds(1));

        var failure = await FailureOf(first);
        Assert.Equal(DeliveryFailureReason.AckTimeout, failure.Reason);
        Assert.Equal("m1", failure.MessageId);
        Assert.Equal(0, h.Connection.UnacknowledgedCount);
        await h.Connection.SendTextAsync("marker").AsTask().Safe();
        Assert.Equal("marker", (await server.ReceiveAsync().Safe()).Text);
        Assert.Equal(3, server.Received.Count);
    }

    [Fact]
    public async Task Without_an_ack_in_time_the_unacknowledged_messages_are_written_again_in_their_order_with_the_same_ids()
    {
        await using var h = new Harness(Acks());
        var server = await h.StartAndAcceptAsync();
        var sends = new[] { Send(h, "m1"), Send(h, "m2"), Send(h, "m3") };
        Assert.Equal(["m1", "m2", "m3"], await ReceiveIdsAsync(server, 3));
        await SettleAsync(h, server);
        await AckAsync(server, "m2");
        await sends[1].Safe();

        await h.Clock.WaitForTimerAsync(d => d == AckTimeout).Safe();
        h.Clock.Advance(AckTimeout);

        Assert.Equal(["m1", "m3"], await ReceiveIdsAsync(server, 2));
        Assert.False(sends[0].IsCompleted);
        await AckAsync(server, "m3");
        await AckAsync(server, "m1");
        await Task.WhenAll(sends).Safe();
        Assert.Equal(0, h.Connection.UnacknowledgedCount);
    }

    [Fact]
    public async Task MaxInFlight_holds_acknowledged_messages_back_keeps_the_order_and_acks_release_them()
    {
        await using var h = new Harness(Acks(maxInFlight: 2));
        var server = await h.StartAndAcceptAsync();
        var sends = Enumerable.Range(1, 5).Select(i => Send(h, "m" + i)).ToList();
        var behind = h.Connection.SendTextAsync("at-most-once behind").AsTask();

        Assert.Equal(["m1", "m2"], await ReceiveIdsAsync(server, 2));
        await SettleAsync(h, server);
        Assert.Equal(2, h.Connection.UnacknowledgedCount);
        Assert.Equal(4, h.Connection.PendingCount);
        Assert.False(behind.IsCompleted);

        await AckAsync(server, "m1");
        Assert.Equal(["m3"], await ReceiveIdsAsync(server, 1));
        await AckAsync(server, "m3");
        Assert.Equal(["m4"], await ReceiveIdsAsync(server, 1));
        await SettleAsync(h, server);
        Assert.Equal(2, h.Connection.PendingCount);
        await AckAsync(server, "m2");
        await AckAsync(server, "m4");
        Assert.Equal(["m5"], await ReceiveIdsAsync(server, 1));
        Assert.Equal("at-most-once behind", (await server.ReceiveAsync().Safe()).Text);
        await behind.Safe();
        await AckAsync(server, "m5");
        await Task.WhenAll(sends).Safe();
        Assert.Equal(8, server.Received.Count); // with the two settles
    }

    [Fact]
    public async Task An_acknowledged_message_whose_time_to_live_runs_out_in_flight_fails_with_Expired_and_a_late_ack_is_ignored()
    {
        await using var h = new Harness(Acks());
        var server = await h.StartAndAcceptAsync();
        var send = Send(h, "m1", timeToLive: TimeSpan.FromSeconds(5));
        Assert.Equal(["m1"], await ReceiveIdsAsync(server, 1));
        await SettleAsync(h, server);
        Assert.Equal(1, h.Connection.UnacknowledgedCount);

        await h.Clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(5)).Safe();
        h.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(DeliveryFailureReason.Expired, (await FailureOf(send)).Reason);
        Assert.Equal(0, h.Connection.UnacknowledgedCount);
        await AckAsync(server, "m1");
        h.Clock.Advance(AckTimeout);
        await h.Connection.SendTextAsync("marker").AsTask().Safe();
        Assert.Equal("marker", (await server.ReceiveAsync().Safe()).Text);
        Assert.Equal(3, server.Received.Count); // m1, the settle, the marker
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Theory]
    [InlineData(DeliveryMode.AtMostOnce)]
    [InlineData(DeliveryMode.AtLeastOnce)]
    public async Task A_time_to_live_that_runs_out_while_the_message_is_being_written_lets_the_write_finish(DeliveryMode mode)
    {
        // Written is written: at-most-once then counts as sent; at-least-once can no longer be acknowledged in time.
        await using var h = new Harness(Acks());
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var send = h.Connection.SendTextAsync(Envelope("m1"), new SendOptions { Delivery = mode, MessageId = "m1", TimeToLive = TimeSpan.FromSeconds(5) }).AsTask();
        await server.ClientWriteBlocked.Safe();

        await h.Clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(5)).Safe();
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(send.IsCompleted);
        server.ReleaseClientWrites();

        Assert.Equal(["m1"], await ReceiveIdsAsync(server, 1));
        if (mode == DeliveryMode.AtMostOnce)
        {
            await send.Safe();
        }
        else
        {
            Assert.Equal(DeliveryFailureReason.Expired, (await FailureOf(send)).Reason);
        }

        Assert.Equal(0, h.Connection.UnacknowledgedCount);
        Assert.Equal(0, h.Connection.PendingCount);
    }

    [Theory]
    [InlineData(DeliveryMode.AtMostOnce)]
    [InlineData(DeliveryMode.AtLeastOnce)]
    public async Task A_message_whose_time_to_live_runs_out_during_a_write_that_then_fails_fails_with_Expired_and_is_not_written_again(DeliveryMode mode)
    {
        await using var h = new Harness(Acks());
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var send = h.Connection.SendTextAsync(Envelope("m1"), new SendOptions { Delivery = mode, MessageId = "m1", TimeToLive = TimeSpan.FromSeconds(5) }).AsTask();
        await server.ClientWriteBlocked.Safe();
        await h.Clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(5)).Safe();
        h.Clock.Advance(TimeSpan.FromSeconds(5));

        var outage = await BreakAsync(h, server);

        Assert.Equal(DeliveryFailureReason.Expired, (await FailureOf(send)).Reason);
        Assert.Equal(0, h.Connection.PendingCount);
        var next = await outage.HealAsync();
        await h.Connection.SendTextAsync("marker").AsTask().Safe();
        Assert.Equal("marker", (await next.ReceiveAsync().Safe()).Text);
        Assert.Single(next.Received);
    }

    [Fact]
    public async Task After_an_outage_longer_than_the_ack_timeout_the_unacknowledged_messages_are_resent_in_their_original_order()
    {
        // Issue 11, item 3: the ack timer kept running while disconnected and put each timed-out message at the front
        // one by one, so they went out as [m3, m2, m1].
        await using var h = new Harness(Acks());
        var server = await h.StartAndAcceptAsync();
        var sends = new[] { Send(h, "m1"), Send(h, "m2"), Send(h, "m3") };
        Assert.Equal(["m1", "m2", "m3"], await ReceiveIdsAsync(server, 3));
        await SettleAsync(h, server);

        var outage = await BreakAsync(h, server);
        h.Clock.Advance(AckTimeout * 2);
        Assert.Equal(3, h.Connection.UnacknowledgedCount);
        var next = await outage.HealAsync();

        Assert.Equal(["m1", "m2", "m3"], await ReceiveIdsAsync(next, 3));
        foreach (var id in new[] { "m1", "m2", "m3" })
        {
            await AckAsync(next, id);
        }

        await Task.WhenAll(sends).Safe();
        Assert.Equal(3, next.Received.Count);
    }

    [Fact]
    public async Task The_ack_clock_does_not_run_while_disconnected_and_starts_again_when_the_messages_are_resent()
    {
        await using var h = new Harness(Acks(AckTimeoutAction.Fail));
        var server = await h.StartAndAcceptAsync();
        var send = Send(h, "m1");
        Assert.Equal(["m1"], await ReceiveIdsAsync(server, 1));
        await SettleAsync(h, server);
        h.Clock.Advance(AckTimeout / 2);

        var outage = await BreakAsync(h, server);
        h.Clock.Advance(AckTimeout * 3);
        Assert.False(send.IsCompleted);
        var next = await outage.HealAsync();
        Assert.False(send.IsCompleted);

        // Resent, it gets a whole ack timeout again.
        Assert.Equal(["m1"], await ReceiveIdsAsync(next, 1));
        await h.Clock.WaitForTimerAsync(d => d == AckTimeout).Safe();
        h.Clock.Advance(AckTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(send.IsCompleted);
        h.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(DeliveryFailureReason.AckTimeout, (await FailureOf(send)).Reason);
    }

    [Fact]
    public async Task After_a_reconnect_the_hooks_messages_go_first_then_resends_then_the_queue_then_later_sends()
    {
        var hook = new Func<ConnectedContext, CancellationToken, ValueTask>(async (context, ct) =>
        {
            if (context.IsReconnect)
            {
                await context.SendTextAsync("hook", ct);
            }
        });
        await using var h = new Harness(o => Acks()(o) with { OnConnected = hook });
        var server = await h.StartAndAcceptAsync();
        var resent = new[] { Send(h, "r1"), Send(h, "r2") };
        Assert.Equal(["r1", "r2"], await ReceiveIdsAsync(server, 2));

        var outage = await BreakAsync(h, server);
        var queued = new[] { h.Connection.SendTextAsync("q1").AsTask(), Send(h, "q2") };
        Task? later = null;
        using var sub = h.Connection.StateChanges.Subscribe(change =>
        {
            if (change.Current == ConnectionState.Connected)
            {
                later ??= h.Connection.SendTextAsync("later").AsTask();
            }
        });
        var next = await outage.HealAsync();

        var texts = await ReceiveTextsAsync(next, 6);
        Assert.Equal(["hook", Envelope("r1"), Envelope("r2"), "q1", Envelope("q2"), "later"], texts);
        foreach (var id in new[] { "r1", "r2", "q2" })
        {
            await AckAsync(next, id);
        }

        await Task.WhenAll([.. resent, .. queued, later!]).Safe();
    }

    [Fact]
    public async Task A_late_ack_for_a_message_waiting_to_be_resent_completes_it_and_it_is_not_written_again()
    {
        await using var h = new Harness(Acks());
        var server = await h.StartAndAcceptAsync();
        var late = Send(h, "m1");
        Assert.Equal(["m1"], await ReceiveIdsAsync(server, 1));
        server.BlockClientWrites();
        var blocking = Send(h, "m2");
        await server.ClientWriteBlocked.Safe();

        // m1's ack is overdue: it is queued again, behind m2 on the wire; then its first ack arrives.
        h.Clock.Advance(AckTimeout);
        Assert.Equal(2, h.Connection.PendingCount);
        await AckAsync(server, "m1");
        await late.Safe();

        server.ReleaseClientWrites();
        Assert.Equal(["m2"], await ReceiveIdsAsync(server, 1));
        await AckAsync(server, "m2");
        await blocking.Safe();
        await h.Connection.SendTextAsync("marker").AsTask().Safe();
        Assert.Equal("marker", (await server.ReceiveAsync().Safe()).Text);
        Assert.Equal(3, server.Received.Count);
    }
}
