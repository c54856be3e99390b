using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Engine;

/// <summary>Every queued send ends in an outcome when the queue is stopped or cleared (regression: the failures were collected into a copy and lost).</summary>
public sealed class QueuedOutcomeTests
{
    [Fact]
    public async Task A_stop_fails_every_send_still_queued_with_ConnectionClosed()
    {
        await using var h = new Harness();
        h.Server.DefaultHandshake = Handshake.Fail();
        var reconnecting = h.NextState(ConnectionState.Reconnecting);
        h.Connection.Start();
        await reconnecting;
        var plain = h.Connection.SendTextAsync("queued").AsTask();
        var acknowledged = h.Connection.SendTextAsync("{\"type\":\"x\"}", SendOptions.Acknowledged).AsTask();

        await h.Connection.StopAsync().Safe();

        foreach (var send in new[] { plain, acknowledged })
        {
            var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => send.Safe());
            Assert.Equal(DeliveryFailureReason.ConnectionClosed, failure.Reason);
        }
    }

    [Fact]
    public async Task ClearQueue_fails_every_queued_send_as_cancelled_and_says_how_many()
    {
        await using var h = new Harness();
        var sends = Enumerable.Range(0, 3).Select(i => h.Connection.SendTextAsync($"queued {i}").AsTask()).ToArray();

        Assert.Equal(3, h.Connection.ClearQueue());

        foreach (var send in sends)
        {
            Assert.Equal(DeliveryFailureReason.Cancelled, (await Assert.ThrowsAsync<MessageDeliveryException>(() => send.Safe())).Reason);
        }

        Assert.Equal(0, h.Connection.PendingCount);
    }
}
