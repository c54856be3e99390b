using System.Collections.Concurrent;
using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Delivery;

/// <summary>Volatile and expiring sends during an outage, and the order of queued messages on every reconnect.</summary>
public sealed class OutageSendTests
{
    [Fact]
    public async Task Volatile_sends_while_disconnected_fail_at_once_with_NotConnected()
    {
        await using var h = new Harness(WithOutages);
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());

        var send = h.Connection.SendTextAsync("v", SendOptions.Volatile).AsTask();

        Assert.True(send.IsCompleted);
        Assert.Equal(DeliveryFailureReason.NotConnected, (await FailureOf(send)).Reason);
        Assert.Equal(0, h.Connection.PendingCount);

        // Nothing of it reaches the next connection; a volatile send while connected does go out.
        var second = await outage.HealAsync();
        await h.Connection.SendTextAsync("after", SendOptions.Volatile).AsTask().Safe();
        Assert.Equal("after", (await second.ReceiveAsync().Safe()).Text);
        Assert.Single(second.Received);
    }

    [Fact]
    public async Task Volatile_sends_before_start_fail_at_once_with_NotConnected()
    {
        await using var h = new Harness();

        var send = h.Connection.SendTextAsync("v", SendOptions.Volatile).AsTask();

        Assert.True(send.IsCompleted);
        Assert.Equal(DeliveryFailureReason.NotConnected, (await FailureOf(send)).Reason);
    }

    [Theory]
    [InlineData(DeliveryMode.AtMostOnce)]
    [InlineData(DeliveryMode.AtLeastOnce)]
    public async Task Queued_messages_that_outlive_their_time_to_live_fail_with_Expired_and_the_others_are_delivered(DeliveryMode mode)
    {
        await using var h = new Harness(WithOutages);
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());

        var shortLived = h.Connection.SendTextAsync("{\"type\":\"a\"}", new SendOptions { Delivery = mode, TimeToLive = TimeSpan.FromSeconds(5), MessageId = "short" }).AsTask();
        var longLived = h.Connection.SendTextAsync("{\"type\":\"b\"}", new SendOptions { Delivery = mode, TimeToLive = TimeSpan.FromHours(1), MessageId = "long" }).AsTask();
        var forever = h.Connection.SendTextAsync("{\"type\":\"c\"}", new SendOptions { Delivery = mode, MessageId = "forever" }).AsTask();

        h.Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(shortLived.IsCompleted);
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        var failure = await FailureOf(shortLived);
        Assert.Equal(DeliveryFailureReason.Expired, failure.Reason);
        Assert.Equal(2, h.Connection.PendingCount);

        var second = await outage.HealAsync();
        var b = await second.ReceiveAsync().Safe();
        var c = await second.ReceiveAsync().Safe();
        Assert.Contains("\"type\":\"b\"", b.Text, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"c\"", c.Text, StringComparison.Ordinal);
        if (mode == DeliveryMode.AtLeastOnce)
        {
            Assert.False(longLived.IsCompleted);
            await AckAsync(second, "long");
            await AckAsync(second, "forever");
        }

        await Task.WhenAll(longLived, forever).Safe();
        Assert.Equal(2, second.Received.Count);
    }

    [Fact]
    public async Task Queued_messages_go_out_after_the_hooks_messages_and_before_later_ones_on_every_reconnect()
    {
        RealtimeConnection? connection = null;
        var duringHook = new ConcurrentQueue<Task>();
        var hook = new Func<ConnectedContext, CancellationToken, ValueTask>(async (context, ct) =>
        {
            await context.SendTextAsync($"hook-{context.Attempt}-1", ct);
            // A send through the connection while the hook runs is "later" than what was queued before the reconnect.
            duringHook.Enqueue(connection!.SendTextAsync("during-hook", cancellationToken: ct).AsTask());
            await context.SendTextAsync($"hook-{context.Attempt}-2", ct);
        });

        await using var h = new Harness(o => WithOutages(o) with { OnConnected = hook });
        connection = h.Connection;
        var server = await h.StartAndAcceptAsync();
        Assert.Equal(["hook-1-1", "hook-1-2", "during-hook"], await ReceiveTextsAsync(server, 3));

        for (var round = 1; round <= 3; round++)
        {
            var outage = await BreakAsync(h, server);
            var queued = new[]
            {
                h.Connection.SendTextAsync($"queued-{round}-a").AsTask(),
                h.Connection.SendTextAsync($"queued-{round}-b").AsTask(),
                h.Connection.SendTextAsync($"queued-{round}-c").AsTask(),
            };

            // "Later": sent from the Connected notification itself, the earliest moment the app can act.
            Task? later = null;
            using var sub = h.Connection.StateChanges.Subscribe(change =>
            {
                if (change.Current == ConnectionState.Connected)
                {
                    later ??= h.Connection.SendTextAsync($"later-{round}").AsTask();
                }
            });

            server = await outage.HealAsync();
            var attempt = h.States.Values[^1].Attempt;
            var texts = await ReceiveTextsAsync(server, 7);
            Assert.Equal(
                [$"hook-{attempt}-1", $"hook-{attempt}-2", $"queued-{round}-a", $"queued-{round}-b", $"queued-{round}-c", "during-hook", $"later-{round}"],
                texts);
            Assert.NotNull(later);
            await later.Safe();
            await Task.WhenAll(queued).Safe();
        }

        Assert.All(duringHook, t => Assert.True(t.IsCompletedSuccessfully));
    }
}
