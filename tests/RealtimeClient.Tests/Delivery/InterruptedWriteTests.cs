using RealtimeClient.Outbound;
using static RealtimeClient.Tests.Delivery.OutboundQueueTests;

namespace RealtimeClient.Tests.Delivery;

/// <summary>
/// At most once means never twice. A write that fails after bytes may have left (the frame handed to the network, the
/// socket aborted under it) may still have arrived: such a message is not written again. Found by the fault suite
/// (issue 11): an at-most-once message requeued after a failed write arrived twice.
/// </summary>
public sealed class InterruptedWriteTests
{
    [Fact]
    public async Task An_at_most_once_message_whose_write_failed_after_bytes_may_have_left_is_not_written_again_and_fails_as_Interrupted()
    {
        using var queue = NewQueue();
        queue.Attach();
        var message = Message(queue, DeliveryMode.AtMostOnce, id: null);
        var behind = Message(queue, DeliveryMode.AtMostOnce, id: null);
        var outcome = message.AsValueTask().AsTask();
        await queue.EnqueueAsync(message, null, CancellationToken.None);
        await queue.EnqueueAsync(behind, null, CancellationToken.None);

        Assert.True(queue.TryTakeNext(out _));
        queue.WriteFailed(message, mayHaveLeft: true);
        Assert.False(queue.TryTakeNext(out _)); // held until the socket's end is known
        Assert.False(outcome.IsCompleted);

        queue.Detach(new DisconnectInfo(DisconnectKind.ConnectionLost));

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => outcome).Safe();
        Assert.Equal(DeliveryFailureReason.Interrupted, failure.Reason);
        queue.Attach();
        Assert.True(queue.TryTakeNext(out var next));
        Assert.Same(behind, next); // the one behind it goes out on the next socket
    }

    [Fact]
    public async Task An_at_most_once_message_whose_write_was_refused_before_any_byte_left_goes_out_on_the_next_socket()
    {
        using var queue = NewQueue();
        queue.Attach();
        var message = Message(queue, DeliveryMode.AtMostOnce, id: null);
        var outcome = message.AsValueTask().AsTask();
        await queue.EnqueueAsync(message, null, CancellationToken.None);

        Assert.True(queue.TryTakeNext(out _));
        queue.WriteFailed(message, mayHaveLeft: false);
        queue.Detach(new DisconnectInfo(DisconnectKind.ConnectionLost));
        queue.Attach();

        Assert.True(queue.TryTakeNext(out var again));
        Assert.Same(message, again);
        queue.WriteSucceeded(message);
        await outcome.Safe();
    }

    [Fact]
    public async Task An_acknowledged_message_whose_write_was_interrupted_is_resent_with_its_id()
    {
        using var queue = NewQueue();
        queue.Attach();
        var message = Message(queue, DeliveryMode.AtLeastOnce, "a");
        var outcome = message.AsValueTask().AsTask();
        await queue.EnqueueAsync(message, null, CancellationToken.None);

        Assert.True(queue.TryTakeNext(out _));
        queue.WriteFailed(message, mayHaveLeft: true);
        queue.Detach(new DisconnectInfo(DisconnectKind.ConnectionLost));
        queue.Attach();

        Assert.True(queue.TryTakeNext(out var again)); // the server de-duplicates by id, so twice is allowed
        Assert.Same(message, again);
        queue.WriteSucceeded(message);
        Assert.True(queue.Acknowledge("a"));
        await outcome.Safe();
    }

    [Fact]
    public async Task An_interrupted_at_most_once_message_fails_at_once_when_the_connection_is_closing()
    {
        using var queue = NewQueue();
        queue.Attach();
        var message = Message(queue, DeliveryMode.AtMostOnce, id: null);
        var outcome = message.AsValueTask().AsTask();
        await queue.EnqueueAsync(message, null, CancellationToken.None);

        Assert.True(queue.TryTakeNext(out _));
        queue.Close(DeliveryFailureReason.ConnectionClosed);
        queue.WriteFailed(message, mayHaveLeft: true);

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => outcome).Safe();
        Assert.Equal(DeliveryFailureReason.Interrupted, failure.Reason); // not ConnectionClosed: it may have arrived
    }

    [Fact]
    public async Task A_send_whose_write_dies_on_the_socket_fails_as_Interrupted_and_the_next_connection_never_sees_it()
    {
        await using var h = new Harness(o => o with { Reconnect = o.Reconnect with { InitialDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero } });
        var first = await h.StartAndAcceptAsync();
        first.FailClientWrites(); // the next write fails in the transport, after the frame was begun

        var send = h.Connection.SendTextAsync("once at most").AsTask();

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => send).Safe();
        Assert.Equal(DeliveryFailureReason.Interrupted, failure.Reason);
        var second = await h.Server.AcceptAsync().Safe();
        await h.Connection.SendTextAsync("after").AsTask().Safe();
        Assert.Equal("after", (await second.ReceiveAsync().Safe()).Text);
        Assert.Single(second.Received);
    }
}
