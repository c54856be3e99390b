namespace RealtimeClient.Tests.Delivery;

public sealed class AtLeastOnceUnderChaosTests
{
    private const int MessageCount = 10_000;
    private const int AbortCount = 50;

    [Theory]
    [InlineData(20260101)]
    [InlineData(4)]
    public async Task Ten_thousand_acknowledged_messages_survive_fifty_aborts_each_accepted_once_in_order(int seed)
    {
        // 50 distinct abort points among the first 10,000 frames the server receives (over all connections), each
        // aborting before or after acking the frame, from a seeded random source.
        var random = new Random(seed);
        Dictionary<int, bool> abortAfter = [];
        while (abortAfter.Count < AbortCount)
        {
            abortAfter.TryAdd(random.Next(1, MessageCount + 1), random.Next(2) == 0);
        }

        // Reconnect at once after every drop, without waiting on the (still) virtual clock.
        await using var h = new Harness(o => o with { Reconnect = o.Reconnect with { Policy = DeliveryKit.FixedDelay(TimeSpan.Zero) } });
        var server = new AckingServer(h.Server, abortAfter);
        await h.StartAndAcceptAsync();

        var ids = new string[MessageCount];
        var sends = new Task[MessageCount];
        for (var i = 0; i < MessageCount; i++)
        {
            ids[i] = "m-" + i;
            sends[i] = h.Connection.SendAsync("message", new { text = "hello " + i }, DeliveryKit.Acked(ids[i])).AsTask();
        }

        try
        {
            await Task.WhenAll(sends).Safe();
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Hung: state {h.Connection.State}, pending {h.Connection.PendingCount}, in flight {h.Connection.UnacknowledgedCount}, "
                + $"received {server.Received}, accepted {server.Accepted.Count}, aborts {server.Aborts}, connections {h.Server.Connections.Count}, "
                + $"completed sends {sends.Count(s => s.IsCompleted)}, last states {string.Join(" | ", h.States.Values.TakeLast(4))}");
        }

        Assert.All(sends, s => Assert.True(s.IsCompletedSuccessfully));
        Assert.Equal(AbortCount, server.Aborts);
        Assert.True(h.Server.Connections.Count > AbortCount, $"only {h.Server.Connections.Count} connections");
        Assert.Equal(ids, server.Accepted);
        Assert.Equal(0, h.Connection.UnacknowledgedCount);
        Assert.Equal(0, h.Connection.PendingCount);
    }
}
