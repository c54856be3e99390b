using RealtimeClient.Tests.Engine;
using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Delivery;

/// <summary>At-most-once sends during an outage into a queue of capacity 100, under each overflow policy.</summary>
public class OutageOverflowTests
{
    private const int Capacity = 100;
    private const int Sends = 1_000;

    private static QueueOptions Queue(QueueOverflow overflow) => new() { MaxMessages = Capacity, Overflow = overflow };

    [Fact]
    public async Task Drop_oldest_fails_the_first_900_with_Dropped_and_delivers_the_last_100_in_order_after_reconnect()
    {
        await using var h = new Harness(o => Outage(o, Queue(QueueOverflow.DropOldest)));
        var first = await h.StartAndAcceptAsync();
        await BreakAsync(h, first);
        var dropped = new Recorder<RealtimeError>(h.Connection.Errors);

        var sends = new Task[Sends];
        for (var i = 0; i < Sends; i++)
        {
            sends[i] = h.Connection.SendAsync("m" + i).AsTask();
        }

        for (var i = 0; i < Sends - Capacity; i++)
        {
            Assert.Equal(DeliveryFailureReason.Dropped, (await FailureOf(sends[i])).Reason);
        }

        Assert.All(sends[(Sends - Capacity)..], s => Assert.False(s.IsCompleted));
        Assert.Equal(Capacity, h.Connection.PendingCount);
        Assert.Equal(Sends - Capacity, dropped.Values.Count(e => e.Kind == ErrorKind.MessageDropped));

        var second = await HealAsync(h);
        await Task.WhenAll(sends[(Sends - Capacity)..]).WaitAsync(Safety);
        var texts = await ReceiveTextsAsync(second, Capacity);
        Assert.Equal(Enumerable.Range(Sends - Capacity, Capacity).Select(i => "m" + i), texts);
        Assert.Equal(Capacity, second.Received.Count);
    }

    [Fact]
    public async Task Reject_new_delivers_the_first_100_in_order_and_fails_the_other_900_with_Rejected()
    {
        await using var h = new Harness(o => Outage(o, Queue(QueueOverflow.RejectNew)));
        var first = await h.StartAndAcceptAsync();
        await BreakAsync(h, first);

        var sends = new Task[Sends];
        for (var i = 0; i < Sends; i++)
        {
            sends[i] = h.Connection.SendAsync("m" + i).AsTask();
        }

        for (var i = Capacity; i < Sends; i++)
        {
            Assert.Equal(DeliveryFailureReason.Rejected, (await FailureOf(sends[i])).Reason);
        }

        Assert.All(sends[..Capacity], s => Assert.False(s.IsCompleted));

        var second = await HealAsync(h);
        await Task.WhenAll(sends[..Capacity]).WaitAsync(Safety);
        var texts = await ReceiveTextsAsync(second, Capacity);
        Assert.Equal(Enumerable.Range(0, Capacity).Select(i => "m" + i), texts);
        Assert.Equal(Capacity, second.Received.Count);
    }

    [Fact]
    public async Task Wait_holds_senders_beyond_capacity_and_delivers_all_1000_in_order_of_enqueue_after_reconnect()
    {
        await using var h = new Harness(o => Outage(o, Queue(QueueOverflow.Wait)));
        var first = await h.StartAndAcceptAsync();
        await BreakAsync(h, first);

        var sends = new Task[Sends];
        for (var i = 0; i < Sends; i++)
        {
            sends[i] = h.Connection.SendAsync("m" + i).AsTask();
        }

        Assert.Equal(Capacity, h.Connection.PendingCount);
        Assert.All(sends, s => Assert.False(s.IsCompleted));

        // Time passes in the outage (short of the reconnect): the 101st sender still waits for room.
        h.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(ConnectionState.Reconnecting, h.Connection.State);
        Assert.False(sends[Capacity].IsCompleted);

        var second = await HealAsync(h);
        await Task.WhenAll(sends).WaitAsync(Safety);
        var texts = await ReceiveTextsAsync(second, Sends);
        Assert.Equal(Enumerable.Range(0, Sends).Select(i => "m" + i), texts);
        Assert.Equal(Sends, second.Received.Count);
    }

    [Fact]
    public async Task Wait_cancelling_a_waiting_send_fails_it_with_Cancelled_and_the_others_still_go_in_order()
    {
        await using var h = new Harness(o => Outage(o, Queue(QueueOverflow.Wait)));
        var first = await h.StartAndAcceptAsync();
        await BreakAsync(h, first);

        using var cancel = new CancellationTokenSource();
        var sends = new Task[Capacity + 10];
        for (var i = 0; i < sends.Length; i++)
        {
            sends[i] = h.Connection.SendAsync("m" + i, cancellationToken: i == Capacity + 5 ? cancel.Token : default).AsTask();
        }

        Assert.False(sends[Capacity + 5].IsCompleted);
        cancel.Cancel();
        Assert.Equal(DeliveryFailureReason.Cancelled, (await FailureOf(sends[Capacity + 5])).Reason);
        Assert.All(sends.Where((_, i) => i != Capacity + 5), s => Assert.False(s.IsCompleted));

        var second = await HealAsync(h);
        var delivered = sends.Where((_, i) => i != Capacity + 5).ToArray();
        await Task.WhenAll(delivered).WaitAsync(Safety);
        var texts = await ReceiveTextsAsync(second, delivered.Length);
        Assert.Equal(Enumerable.Range(0, sends.Length).Where(i => i != Capacity + 5).Select(i => "m" + i), texts);
    }

    [Fact]
    public async Task Wait_a_waiting_send_fails_with_ConnectionClosed_when_the_connection_stops()
    {
        await using var h = new Harness(o => Outage(o, Queue(QueueOverflow.Wait)));
        var first = await h.StartAndAcceptAsync();
        await BreakAsync(h, first);

        var sends = new Task[Capacity + 1];
        for (var i = 0; i < sends.Length; i++)
        {
            sends[i] = h.Connection.SendAsync("m" + i).AsTask();
        }

        Assert.False(sends[Capacity].IsCompleted);
        await h.Connection.StopAsync().WaitAsync(Safety);

        foreach (var send in sends)
        {
            Assert.Equal(DeliveryFailureReason.ConnectionClosed, (await FailureOf(send)).Reason);
        }

        Assert.Equal(0, h.Connection.PendingCount);
    }
}
