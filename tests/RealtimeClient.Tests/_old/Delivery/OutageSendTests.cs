using System.Collections.Concurrent;
using RealtimeClient.Tests.Engine;
using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Delivery;

/// <summary>Volatile and expiring sends during an outage, and the order of queued messages on every reconnect.</summary>
public class OutageSendTests
{
    [Fact]
    public async Task Volatile_sends_while_disconnected_fail_at_once_with_NotConnected()
    {
        await using var h = new Harness(o => Outage(o));
        var first = await h.StartAndAcceptAsync();
        await BreakAsync(h, first);

        var send = h.Connection.SendAsync("v", options: SendOptions.Volatile).AsTask();

        Assert.True(send.IsCompleted);
        Assert.Equal(DeliveryFailureReason.NotConnected, (await FailureOf(send)).Reason);
        Assert.Equal(0, h.Connection.PendingCount);

        // Nothing of it reaches the next connection; a volatile send while connected does go out.
        var second = await HealAsync(h);
        await h.Connection.SendAsync("after", options: SendOptions.Volatile).AsTask().WaitAsync(Safety);
        Assert.Equal("after", (await second.ReceiveAsync().WaitAsync(Safety)).Text);
        Assert.Single(second.Received);
    }

    [Fact]
    public async Task Volatile_sends_before_start_fail_at_once_with_NotConnected()
    {
        await using var h = new Harness();

        var send = h.Connection.SendAsync("v", options: SendOptions.Volatile).AsTask();

        Assert.True(send.IsCompleted);
        Assert.Equal(DeliveryFailureReason.NotConnected, (await FailureOf(send)).Reason);
    }

    [Theory]
    [InlineData(DeliveryMode.AtMostOnce)]
    [InlineData(DeliveryMode.AtLeastOnce)]
    public async Task Queued_messages_that_outlive_their_time_to_live_fail_with_Expired_and_the_others_are_delivered(DeliveryMode mode)
    {
        await using var h = new Harness(o => Outage(o));
        var first = await h.StartAndAcceptAsync();
        await BreakAsync(h, first);

        var shortLived = h.Connection.SendAsync("{\"type\":\"a\"}", options: new SendOptions { Delivery = mode, TimeToLive = TimeSpan.FromSeconds(5), MessageId = "short" }).AsTask();
        var longLived = h.Connection.SendAsync("{\"type\":\"b\"}", options: new SendOptions { Delivery = mode, TimeToLive = TimeSpan.FromHours(1), MessageId = "long" }).AsTask();
        var forever = h.Connection.SendAsync("{\"type\":\"c\"}", options: new SendOptions { Delivery = mode, MessageId = "forever" }).AsTask();

        h.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(shortLived.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        var failure = await FailureOf(shortLived);
        Assert.Equal(DeliveryFailureReason.Expired, failure.Reason);
        Assert.Equal(2, h.Connection.PendingCount);

        var second = await HealAsync(h);
        var b = await second.ReceiveAsync().WaitAsync(Safety);
        var c = await second.ReceiveAsync().WaitAsync(Safety);
        Assert.Contains("\"type\":\"b\"", b.Text, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"c\"", c.Text, StringComparison.Ordinal);
        if (mode == DeliveryMode.AtLeastOnce)
        {
            Assert.False(longLived.IsCompleted);
            await second.SendTextAsync("{\"type\":\"ack\",\"id\":\"long\"}");
            await second.SendTextAsync("{\"type\":\"ack\",\"id\":\"forever\"}");
        }

        await Task.WhenAll(longLived, forever).WaitAsync(Safety);
        Assert.Equal(2, second.Received.Count);
    }

    [Fact]
    public async Task Queued_messages_go_out_after_the_hooks_messages_and_before_later_ones_on_every_reconnect()
    {
        RealtimeConnection? connection = null;
        var duringHook = new ConcurrentQueue<Task>();
        var hook = new Func<ConnectedContext, CancellationToken, ValueTask>(async (context, ct) =>
        {
            await context.SendAsync($"hook-{context.Attempt}-1", ct);
            // A send through the connection while the hook runs is "later" than what was queued before the reconnect.
            duringHook.Enqueue(connection!.SendAsync("during-hook", cancellationToken: ct).AsTask());
            await context.SendAsync($"hook-{context.Attempt}-2", ct);
        });

        await using var h = new Harness(o => Outage(o, onConnected: hook));
        connection = h.Connection;
        var server = await h.StartAndAcceptAsync();
        Assert.Equal(["hook-1-1", "hook-1-2", "during-hook"], await ReceiveTextsAsync(server, 3));

        for (var round = 1; round <= 3; round++)
        {
            await BreakAsync(h, server);
            var queued = new[]
            {
                h.Connection.SendAsync($"queued-{round}-a").AsTask(),
                h.Connection.SendAsync($"queued-{round}-b").AsTask(),
                h.Connection.SendAsync($"queued-{round}-c").AsTask(),
            };

            // "Later": sent from the Connected notification itself, the earliest moment the app can act.
            Task? later = null;
            using var sub = h.Connection.StateChanges.Subscribe(change =>
            {
                if (change.Current == ConnectionState.Connected)
                {
                    later ??= h.Connection.SendAsync($"later-{round}").AsTask();
                }
            });

            server = await HealAsync(h);
            var attempt = h.States.Values[^1].Attempt;
            var texts = await ReceiveTextsAsync(server, 7);
            Assert.Equal(
                [$"hook-{attempt}-1", $"hook-{attempt}-2", $"queued-{round}-a", $"queued-{round}-b", $"queued-{round}-c", "during-hook", $"later-{round}"],
                texts);
            Assert.NotNull(later);
            await later.WaitAsync(Safety);
        }

        Assert.All(duringHook, t => Assert.True(t.IsCompletedSuccessfully));
    }
}
