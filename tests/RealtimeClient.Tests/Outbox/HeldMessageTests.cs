using RealtimeClient.Outbox;
using RealtimeClient.Testing;
using static RealtimeClient.Tests.Outbox.Frames;

namespace RealtimeClient.Tests.Outbox;

/// <summary>
/// What the outbox holds (left by an earlier run of the app, or by a stop) goes out first at every start, in its original
/// order, with the same ids; the outcomes of those messages are reported on <c>RecoveredDeliveries</c>.
/// </summary>
public sealed class HeldMessageTests
{
    [Fact]
    public async Task A_stop_keeps_an_unacknowledged_durable_message_and_the_next_start_sends_it_first_with_the_same_id()
    {
        var store = new MemoryOutboxStore();
        await using var h = new Harness(o => o with { Outbox = store });
        using var recovered = new Recorder<DeliveryReport>(h.Connection.RecoveredDeliveries);
        var server = await h.StartAndAcceptAsync();
        var delivery = await h.Connection.EnqueueAsync("line", new Line("kept"), SendOptions.Durable);
        var first = await server.ReceiveAsync().Safe(); // written, never acknowledged

        await h.Connection.StopAsync().Safe();
        var stopped = await Assert.ThrowsAsync<MessageDeliveryException>(() => delivery.Outcome.Safe());
        Assert.Equal(DeliveryFailureReason.ConnectionClosed, stopped.Reason);
        Assert.Equal(delivery.MessageId, Assert.Single(store.Pending).Id); // still held
        Assert.Empty(store.Completed);
        Assert.Empty(recovered.Values);

        var connected = h.NextState(ConnectionState.Connected);
        h.Connection.Start();
        var after = h.Connection.SendAsync("line", new Line("sent after the start"), SendOptions.Acknowledged).AsTask();
        var again = await h.Server.AcceptAsync().Safe();
        await connected;

        var resent = await again.ReceiveAsync().Safe();
        Assert.Equal(first.Bytes, resent.Bytes); // the same message, the same id
        Assert.Equal("sent after the start", TextOf(await again.ReceiveAndAckAsync()));
        await after.Safe();

        await again.AckAsync(delivery.MessageId!);
        var report = await recovered.FirstAsync(_ => true);
        Assert.True(report.Delivered);
        Assert.Equal(delivery.MessageId, report.MessageId);
        Assert.Equal("kept", TextOf(report.Entry));
        Assert.Equal([(delivery.MessageId!, OutboxOutcome.Acknowledged)], store.Completed);
        Assert.Empty(store.Pending);
    }

    [Fact]
    public async Task Messages_held_from_an_earlier_run_go_out_first_in_their_order_and_their_outcomes_are_reported()
    {
        var store = new MemoryOutboxStore(Earlier("old-1", "one"), Earlier("old-2", "two"), Earlier("old-3", "three"));
        await using var h = new Harness(o => o with { Outbox = store });
        using var recovered = new Recorder<DeliveryReport>(h.Connection.RecoveredDeliveries);

        // Sent before the start (the store is opened for it) and after: both go behind what the store held.
        var before = await h.Connection.EnqueueAsync("line", new Line("before the start"), SendOptions.Durable);
        var server = await h.StartAndAcceptAsync();
        var after = h.Connection.SendAsync("line", new Line("after the start"), SendOptions.Acknowledged).AsTask();

        var frames = new List<ReceivedFrame>();
        for (var i = 0; i < 5; i++)
        {
            frames.Add(await server.ReceiveAsync().Safe());
        }

        Assert.Equal(["old-1", "old-2", "old-3"], frames.Take(3).Select(IdOf));
        Assert.Equal(["one", "two", "three", "before the start", "after the start"], frames.Select(TextOf));
        Assert.Equal(Earlier("old-2", "two").Payload.ToArray(), frames[1].Bytes); // sent exactly as kept

        await server.AckAsync("old-1");
        await server.RefuseAsync("old-2", "gone", "that room was closed");
        await server.AckAsync("old-3");
        await server.AckAsync(before.MessageId!);
        await server.AckAsync(IdOf(frames[4]));
        await before.Outcome.Safe();
        await after.Safe();

        var reports = new List<DeliveryReport>();
        for (var i = 0; i < 3; i++)
        {
            reports.Add(await recovered.SkipToAsync(_ => true));
        }

        Assert.Equal(["old-1", "old-2", "old-3"], reports.Select(r => r.MessageId).Order());
        Assert.True(reports.Single(r => r.MessageId == "old-1").Delivered);
        Assert.True(reports.Single(r => r.MessageId == "old-3").Delivered);
        var refused = reports.Single(r => r.MessageId == "old-2");
        Assert.False(refused.Delivered);
        Assert.Equal(DeliveryFailureReason.Rejected, refused.Failure!.Reason);
        Assert.Equal("that room was closed", refused.Failure.Rejection?.Message);
        Assert.Equal("two", TextOf(refused.Entry));
        Assert.DoesNotContain(recovered.Values, r => r.MessageId == before.MessageId); // sent in this run: not a recovered one

        Assert.Contains(("old-2", OutboxOutcome.Failed), store.Completed);
        Assert.Contains(("old-1", OutboxOutcome.Acknowledged), store.Completed);
        Assert.Empty(store.Pending);
    }

    [Fact]
    public async Task Durable_messages_held_by_a_stop_go_out_at_the_very_next_start_in_their_original_order()
    {
        var store = new MemoryOutboxStore();
        await using var h = new Harness(o => o with { Outbox = store });
        h.Server.DefaultHandshake = Handshake.Fail(); // the server is down: everything waits in the queue

        // Several rounds: the messages held by a stop are handed back from many threads at once.
        for (var round = 0; round < 10; round++)
        {
            h.Server.DefaultHandshake = Handshake.Fail();
            var reconnecting = h.NextState(ConnectionState.Reconnecting);
            h.Connection.Start();
            await reconnecting;
            var texts = Enumerable.Range(0, 20).Select(i => $"round {round} line {i}").ToArray();
            foreach (var text in texts)
            {
                await h.Connection.EnqueueAsync("line", new Line(text), SendOptions.Durable);
            }

            await h.Connection.StopAsync().Safe();
            Assert.Equal(texts, store.Pending.Select(TextOf));

            h.Server.DefaultHandshake = Handshake.Accept;
            var server = await h.StartAndAcceptAsync();
            await h.Connection.SendTextAsync("marker").Safe(); // sent after the start: behind everything held
            var seen = new List<string>();
            for (var frame = await server.ReceiveAsync().Safe(); frame.Text != "marker"; frame = await server.ReceiveAsync().Safe())
            {
                seen.Add(TextOf(frame));
                await server.AckAsync(IdOf(frame));
            }

            Assert.Equal(texts, seen);
            await store.WaitForCompletionsAsync(20 * (round + 1));
            Assert.Empty(store.Pending);
            await h.Connection.StopAsync().Safe();
        }
    }

    [Fact]
    public async Task A_recovered_message_that_a_stop_holds_again_is_not_reported_as_failed_and_is_reported_when_delivered_later()
    {
        var store = new MemoryOutboxStore(Earlier("old-1", "one"));
        await using var h = new Harness(o => o with { Outbox = store });
        using var recovered = new Recorder<DeliveryReport>(h.Connection.RecoveredDeliveries);
        h.Server.DefaultHandshake = Handshake.Fail();
        var reconnecting = h.NextState(ConnectionState.Reconnecting);
        h.Connection.Start();
        await reconnecting;

        await h.Connection.StopAsync().Safe(); // the run ends before the message could go out
        Assert.Equal(["old-1"], store.Pending.Select(e => e.Id));

        h.Server.DefaultHandshake = Handshake.Accept;
        var server = await h.StartAndAcceptAsync();
        var frame = await server.ReceiveAsync().Safe();
        Assert.Equal("old-1", IdOf(frame));
        await server.AckAsync("old-1");

        var report = await recovered.FirstAsync(_ => true);
        Assert.True(report.Delivered, $"reported: {string.Join(", ", recovered.Values)}");
        Assert.Single(recovered.Values);
    }

    [Fact]
    public async Task A_durable_message_keeps_its_one_id_through_a_drop_a_stop_and_a_new_connection_on_the_same_store()
    {
        var store = new MemoryOutboxStore();
        var received = new List<ReceivedFrame>();
        await using (var h = new Harness(o => o with { Outbox = store }))
        {
            var server = await h.StartAndAcceptAsync();
            await h.Connection.EnqueueAsync("line", new Line("one message"), SendOptions.Durable);
            received.Add(await server.ReceiveAsync().Safe());

            server.Abort(); // dropped before the ack: resent on the next socket
            server = await h.ReconnectAsync();
            received.Add(await server.ReceiveAsync().Safe());

            await h.Connection.StopAsync().Safe(); // held by the stop: sent at the next start
            server = await h.StartAndAcceptAsync();
            received.Add(await server.ReceiveAsync().Safe());
        }

        // A new connection (the app restarted) on the same store.
        await using (var h = new Harness(o => o with { Outbox = store }))
        {
            var server = await h.StartAndAcceptAsync();
            received.Add(await server.ReceiveAndAckAsync());
            await store.WaitForCompletionsAsync(1);
        }

        Assert.All(received, f => Assert.Equal("one message", TextOf(f)));
        Assert.Single(received.Select(IdOf).Distinct());
        Assert.Single(received.Select(f => Convert.ToHexString(f.Bytes)).Distinct());
        Assert.Equal([(IdOf(received[0]), OutboxOutcome.Acknowledged)], store.Completed);
        Assert.Empty(store.Pending);
    }
}
