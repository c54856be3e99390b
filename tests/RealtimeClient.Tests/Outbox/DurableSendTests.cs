using NSubstitute;
using RealtimeClient.Outbox;
using static RealtimeClient.Tests.Outbox.Frames;

namespace RealtimeClient.Tests.Outbox;

/// <summary>A durable send: on disk before it is accepted, removed from the store on its final outcome.</summary>
public sealed class DurableSendTests
{
    [Fact]
    public async Task A_durable_send_is_accepted_only_once_the_store_holds_it_and_is_recorded_as_acknowledged_on_the_ack()
    {
        var store = new MemoryOutboxStore();
        await using var h = new Harness(o => o with { Outbox = store });
        var server = await h.StartAndAcceptAsync();
        store.HoldAppends();
        var arrived = store.AppendArrived();

        var enqueue = h.Connection.EnqueueAsync("line", new Line("saved first"), SendOptions.Durable).AsTask();
        await arrived.Safe();
        Assert.False(enqueue.IsCompleted); // not accepted while the append is under way
        Assert.Empty(store.Appended);

        store.ReleaseAppends();
        var delivery = await enqueue.Safe();
        var stored = Assert.Single(store.Appended);
        Assert.Equal(delivery.MessageId, stored.Id);
        Assert.Equal(MessageKind.Text, stored.Kind);
        Assert.Equal(h.Clock.GetUtcNow(), stored.CreatedAt);

        var frame = await server.ReceiveAsync().Safe();
        Assert.Equal(stored.Payload.ToArray(), frame.Bytes); // what is kept is exactly what goes out
        Assert.Equal(delivery.MessageId, IdOf(frame));
        Assert.False(delivery.Outcome.IsCompleted);
        Assert.Empty(store.Completed);

        await server.AckAsync(delivery.MessageId!);
        await delivery.Outcome.Safe();

        // The outcome completes once the store has recorded it: nothing is left to send again after a restart.
        Assert.Equal([(delivery.MessageId!, OutboxOutcome.Acknowledged)], store.Completed);
        Assert.Empty(store.Pending);
    }

    [Fact]
    public async Task SendAsync_with_Durable_completes_on_the_ack_after_the_store_recorded_it()
    {
        var store = new MemoryOutboxStore();
        await using var h = new Harness(o => o with { Outbox = store });
        var server = await h.StartAndAcceptAsync();

        var send = h.Connection.SendAsync("line", new Line("a"), SendOptions.Durable).AsTask();
        var frame = await server.ReceiveAsync().Safe();
        Assert.Equal(IdOf(frame), Assert.Single(store.Pending).Id);
        Assert.False(send.IsCompleted);

        await server.AckAsync(IdOf(frame));
        await send.Safe();
        Assert.Equal([(IdOf(frame), OutboxOutcome.Acknowledged)], store.Completed);
    }

    [Fact]
    public async Task A_durable_text_message_without_an_id_is_stored_with_the_id_it_is_sent_with()
    {
        var store = new MemoryOutboxStore();
        await using var h = new Harness(o => o with { Outbox = store });
        var server = await h.StartAndAcceptAsync();

        var send = h.Connection.SendTextAsync("{\"type\":\"line\",\"data\":{\"text\":\"raw\"}}", SendOptions.Durable).AsTask();
        var frame = await server.ReceiveAsync().Safe();
        var stored = Assert.Single(store.Pending);
        Assert.Equal(IdOf(frame), stored.Id);
        Assert.Equal(stored.Payload.ToArray(), frame.Bytes);

        await server.AckAsync(stored.Id);
        await send.Safe();
        Assert.Empty(store.Pending);
    }

    [Fact]
    public async Task A_durable_send_the_server_refuses_fails_with_its_reason_and_is_recorded_as_failed()
    {
        var store = new MemoryOutboxStore();
        await using var h = new Harness(o => o with { Outbox = store });
        var server = await h.StartAndAcceptAsync();
        var delivery = await h.Connection.EnqueueAsync("line", new Line("no"), SendOptions.Durable);
        var frame = await server.ReceiveAsync().Safe();

        await server.RefuseAsync(IdOf(frame), "forbidden", "not here");

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => delivery.Outcome.Safe());
        Assert.Equal(DeliveryFailureReason.Rejected, failure.Reason);
        Assert.Equal("forbidden", failure.Rejection?.Code);
        Assert.Equal([(delivery.MessageId!, OutboxOutcome.Failed)], store.Completed);
        Assert.Empty(store.Pending);
    }

    [Fact]
    public async Task A_durable_send_that_expires_in_the_queue_is_recorded_as_failed()
    {
        var store = new MemoryOutboxStore();
        await using var h = new Harness(o => o with { Outbox = store });

        // Never started: it waits in the queue until its time to live runs out.
        var delivery = await h.Connection.EnqueueAsync("line", new Line("late"), SendOptions.Durable with { TimeToLive = TimeSpan.FromSeconds(5) });
        Assert.Single(store.Pending);
        h.Clock.Advance(TimeSpan.FromSeconds(5));

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => delivery.Outcome.Safe());
        Assert.Equal(DeliveryFailureReason.Expired, failure.Reason);
        Assert.Equal([(delivery.MessageId!, OutboxOutcome.Failed)], store.Completed);
        Assert.Empty(store.Pending);
    }

    [Fact]
    public async Task Durable_sends_cleared_from_the_queue_or_cancelled_by_their_token_are_recorded_as_failed()
    {
        var store = new MemoryOutboxStore();
        await using var h = new Harness(o => o with { Outbox = store });
        using var cts = new CancellationTokenSource();
        var cleared = await h.Connection.EnqueueAsync("line", new Line("cleared"), SendOptions.Durable);
        var cancelled = await h.Connection.EnqueueAsync("line", new Line("cancelled"), SendOptions.Durable, cts.Token);
        Assert.Equal(2, store.Pending.Count);

        cts.Cancel();
        var byToken = await Assert.ThrowsAsync<MessageDeliveryException>(() => cancelled.Outcome.Safe());
        Assert.Equal(DeliveryFailureReason.Cancelled, byToken.Reason);
        Assert.Equal([(cancelled.MessageId!, OutboxOutcome.Failed)], store.Completed);

        Assert.Equal(1, h.Connection.ClearQueue());
        var byClear = await Assert.ThrowsAsync<MessageDeliveryException>(() => cleared.Outcome.Safe());
        Assert.Equal(DeliveryFailureReason.Cancelled, byClear.Reason);
        Assert.Equal((cleared.MessageId!, OutboxOutcome.Failed), store.Completed[^1]);
        Assert.Empty(store.Pending);
    }

    [Fact]
    public async Task A_durable_send_whose_ack_is_overdue_under_AckTimeoutAction_Fail_is_recorded_as_failed()
    {
        var store = new MemoryOutboxStore();
        await using var h = new Harness(o => o with
        {
            Outbox = store,
            Acknowledgements = new AcknowledgementOptions { AckTimeout = TimeSpan.FromSeconds(3), OnAckTimeout = AckTimeoutAction.Fail },
        });
        var server = await h.StartAndAcceptAsync();
        var delivery = await h.Connection.EnqueueAsync("line", new Line("unanswered"), SendOptions.Durable);
        await server.ReceiveAsync().Safe();

        await h.Clock.WaitForTimerAsync(t => t == TimeSpan.FromSeconds(3)).Safe();
        h.Clock.Advance(TimeSpan.FromSeconds(3));

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => delivery.Outcome.Safe());
        Assert.Equal(DeliveryFailureReason.AckTimeout, failure.Reason);
        Assert.Equal([(delivery.MessageId!, OutboxOutcome.Failed)], store.Completed);
    }

    [Fact]
    public async Task Durable_sends_go_out_in_the_order_they_were_called_although_their_appends_complete_in_another_order()
    {
        // A store whose appends complete when the test says (as a group commit completes them together, in any order).
        var appends = new List<TaskCompletionSource>();
        var secondArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = Substitute.For<IOutboxStore>();
#pragma warning disable CA2012 // NSubstitute configures a member by calling it: that ValueTask is never awaited, by design.
        store.OpenAsync(Arg.Any<CancellationToken>()).Returns(ValueTask.FromResult<IReadOnlyList<OutboxEntry>>([]));
        store.CompleteAsync(Arg.Any<string>(), Arg.Any<OutboxOutcome>(), Arg.Any<CancellationToken>()).Returns(ValueTask.CompletedTask);
        store.AppendAsync(Arg.Any<OutboxEntry>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            var append = new TaskCompletionSource(); // continuations run inline, when the test completes it
            lock (appends)
            {
                appends.Add(append);
                if (appends.Count == 2)
                {
                    secondArrived.SetResult();
                }
            }

            return new ValueTask(append.Task);
        });
#pragma warning restore CA2012
        await using var h = new Harness(o => o with { Outbox = store });
        var server = await h.StartAndAcceptAsync();
        var first = h.Connection.EnqueueAsync("line", new Line("first"), SendOptions.Durable).AsTask();
        var second = h.Connection.EnqueueAsync("line", new Line("second"), SendOptions.Durable).AsTask();
        await secondArrived.Task.Safe();

        appends[1].SetResult(); // the second is on disk first: it must still wait for the first
        await h.Connection.SendTextAsync("probe").Safe();
        Assert.Equal("probe", (await server.ReceiveAsync().Safe()).Text);
        Assert.False(second.IsCompleted);

        appends[0].SetResult();
        await Task.WhenAll(first, second).Safe();
        Assert.Equal("first", TextOf(await server.ReceiveAsync().Safe()));
        Assert.Equal("second", TextOf(await server.ReceiveAsync().Safe()));
    }

    [Fact]
    public async Task A_durable_send_needs_an_outbox_and_acknowledged_delivery()
    {
        await using var without = new Harness();
        await Assert.ThrowsAsync<ArgumentException>(() => without.Connection.SendAsync("line", new Line("x"), SendOptions.Durable).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => without.Connection.EnqueueAsync("line", new Line("x"), SendOptions.Durable).AsTask());

        var store = new MemoryOutboxStore();
        await using var h = new Harness(o => o with { Outbox = store });
        var atMostOnce = SendOptions.Durable with { Delivery = DeliveryMode.AtMostOnce };
        await Assert.ThrowsAsync<ArgumentException>(() => h.Connection.SendAsync("line", new Line("x"), atMostOnce).AsTask());
        Assert.Empty(store.Appended);
    }
}
