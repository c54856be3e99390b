using System.Net.WebSockets;
using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Delivery;

/// <summary>
/// Issue 11, items 1 and 2: a server's refusal of a message is a first-class outcome, whether it answers the message's id
/// with an error (a negative acknowledgement) or closes the connection with 1003, 1007 or 1009 right after it.
/// </summary>
public sealed class RefusalTests
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);

    private static Func<RealtimeOptions, RealtimeOptions> Options(Func<AcknowledgementOptions, AcknowledgementOptions>? acks = null) => o => WithOutages(o) with
    {
        Acknowledgements = (acks ?? (a => a))(o.Acknowledgements with { AckTimeout = AckTimeout }),
    };

    private static Task Send(Harness h, string id) => h.Connection.SendTextAsync(Envelope(id), Acked(id)).AsTask();

    [Fact]
    public async Task A_refused_send_fails_at_once_with_the_servers_code_and_message()
    {
        await using var h = new Harness(Options());
        var server = await h.StartAndAcceptAsync();
        var refused = Send(h, "m1");
        var accepted = Send(h, "m2");
        Assert.Equal([Envelope("m1"), Envelope("m2")], await ReceiveTextsAsync(server, 2));
        await SettleAsync(h, server);
        await RefuseAsync(server, "m1", 403, "forbidden text");

        var failure = await FailureOf(refused);
        Assert.Equal(DeliveryFailureReason.Rejected, failure.Reason);
        Assert.Equal("m1", failure.MessageId);
        Assert.Equal("403", failure.Rejection?.Code);
        Assert.Equal("forbidden text", failure.Rejection?.Message);
        Assert.Equal("error", failure.Rejection?.Type);
        Assert.Null(failure.Rejection?.CloseStatus);
        Assert.Equal("m1", failure.Rejection?.Reply?.Id);
        Assert.Contains("403 forbidden text", failure.Message, StringComparison.Ordinal);
        Assert.False(accepted.IsCompleted);
        Assert.Equal(1, h.Connection.UnacknowledgedCount);

        // A refusal is final: it is not written again when the others' ack timeout passes.
        await h.Clock.WaitForTimerAsync(d => d <= AckTimeout).Safe();
        h.Clock.Advance(AckTimeout);
        Assert.Equal(Envelope("m2"), (await server.ReceiveAsync().Safe()).Text);
        await AckAsync(server, "m2");
        await accepted.Safe();
        Assert.DoesNotContain(h.Errors.Values, e => e.Kind == ErrorKind.MessageRejected);
    }

    [Fact]
    public async Task A_refusal_for_an_id_nobody_waits_for_is_reported_on_Errors_as_MessageRejected()
    {
        await using var h = new Harness(Options());
        var server = await h.StartAndAcceptAsync();

        // An at-most-once message with its own id completes once written; the server refuses it afterwards.
        await h.Connection.SendTextAsync(Envelope("x1"), new SendOptions { MessageId = "x1" }).AsTask().Safe();
        await server.ReceiveAsync().Safe();
        var reported = h.Errors.FirstAsync(e => e.Kind == ErrorKind.MessageRejected);
        await RefuseAsync(server, "x1", 400, "blank text");

        var error = await reported;
        Assert.Contains("x1", error.Message, StringComparison.Ordinal);
        Assert.Contains("400 blank text", error.Message, StringComparison.Ordinal);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Fact]
    public async Task With_no_rejection_types_an_error_repeating_an_id_neither_fails_the_send_nor_is_reported()
    {
        await using var h = new Harness(Options(a => a with { RejectionTypes = [] }));
        var server = await h.StartAndAcceptAsync();
        using var envelopes = new Recorder<global::RealtimeClient.Serialization.Envelope>(h.Connection.Envelopes);
        var send = Send(h, "m1");
        await server.ReceiveAsync().Safe();
        await SettleAsync(h, server);

        await RefuseAsync(server, "m1", 403, "forbidden");
        await envelopes.FirstAsync(e => e.Type == "error");
        Assert.False(send.IsCompleted);
        Assert.Equal(1, h.Connection.UnacknowledgedCount);

        await AckAsync(server, "m1");
        await send.Safe();
        Assert.DoesNotContain(h.Errors.Values, e => e.Kind == ErrorKind.MessageRejected);
    }

    [Fact]
    public async Task Refusal_types_and_the_paths_of_their_code_and_message_are_configurable()
    {
        await using var h = new Harness(Options(a => a with { RejectionTypes = ["nack"], RejectionCodePath = "data.status", RejectionMessagePath = "data.reason" }));
        var server = await h.StartAndAcceptAsync();
        var send = Send(h, "m1");
        await server.ReceiveAsync().Safe();

        await server.SendTextAsync("{\"type\":\"nack\",\"id\":\"m1\",\"data\":{\"status\":\"E42\",\"reason\":\"quota\"}}");

        var failure = await FailureOf(send);
        Assert.Equal(DeliveryFailureReason.Rejected, failure.Reason);
        Assert.Equal("E42", failure.Rejection?.Code);
        Assert.Equal("quota", failure.Rejection?.Message);
        Assert.Equal("nack", failure.Rejection?.Type);
        Assert.Equal("nack", failure.Rejection?.Reply?.Type);
    }

    [Theory]
    [InlineData(WebSocketCloseStatus.MessageTooBig)]
    [InlineData(WebSocketCloseStatus.InvalidMessageType)]
    [InlineData(WebSocketCloseStatus.InvalidPayloadData)]
    public async Task A_message_the_server_closes_on_twice_fails_with_Rejected_and_the_close_status_and_the_messages_behind_it_go_out(WebSocketCloseStatus status)
    {
        // Issue 11, item 1: such a message stayed at the head of the queue and was written again on every connection, and
        // nothing behind it was ever delivered.
        await using var h = new Harness(Options());
        var server = await h.StartAndAcceptAsync();
        var poison = Send(h, "poison");
        var behind = new[] { Send(h, "m2"), Send(h, "m3") };
        Assert.Equal([Envelope("poison"), Envelope("m2"), Envelope("m3")], await ReceiveTextsAsync(server, 3));

        await server.CloseAsync(status, "cannot take it").Safe();
        server = await h.ReconnectAsync();
        Assert.Equal([Envelope("poison"), Envelope("m2"), Envelope("m3")], await ReceiveTextsAsync(server, 3));
        Assert.False(poison.IsCompleted);

        await server.CloseAsync(status, "cannot take it").Safe();
        var failure = await FailureOf(poison);
        Assert.Equal(DeliveryFailureReason.Rejected, failure.Reason);
        Assert.Equal(status, failure.Rejection?.CloseStatus);
        Assert.Equal("cannot take it", failure.Rejection?.Message);

        server = await h.ReconnectAsync();
        Assert.Equal([Envelope("m2"), Envelope("m3")], await ReceiveTextsAsync(server, 2));
        await AckAsync(server, "m2");
        await AckAsync(server, "m3");
        await Task.WhenAll(behind).Safe();
        Assert.Equal(2, server.Received.Count);
        Assert.Equal(2, h.Server.Connections.Take(2).Count(c => c.Received.Any(f => f.Text == Envelope("poison"))));
    }

    [Fact]
    public async Task An_at_most_once_message_whose_write_hangs_until_the_server_closes_with_1009_is_tried_once_more_then_fails_with_Rejected()
    {
        // The server reads a frame's header, finds it too big and closes with 1009 while the client is still writing it:
        // the write never completes, so the message is still without an outcome when the close arrives.
        var blockWrites = true;
        await using var h = new Harness(Options());
        h.Server.OnAccepted = connection =>
        {
            if (Volatile.Read(ref blockWrites))
            {
                connection.BlockClientWrites();
            }
        };
        var server = await h.StartAndAcceptAsync();
        var poison = h.Connection.SendTextAsync("too big").AsTask(); // the direct write path: nothing queued, connected
        await server.ClientWriteBlocked.Safe();
        var behind = h.Connection.SendTextAsync("behind").AsTask();

        var closed = server.CloseAsync(WebSocketCloseStatus.MessageTooBig, "too big");
        server = await h.ReconnectAsync();
        await closed.Safe();
        await server.ClientWriteBlocked.Safe();
        Assert.False(poison.IsCompleted);

        Volatile.Write(ref blockWrites, false);
        closed = server.CloseAsync(WebSocketCloseStatus.MessageTooBig, "too big");
        var failure = await FailureOf(poison);
        Assert.Equal(DeliveryFailureReason.Rejected, failure.Reason);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, failure.Rejection?.CloseStatus);

        server = await h.ReconnectAsync();
        await closed.Safe();
        Assert.Equal("behind", (await server.ReceiveAsync().Safe()).Text);
        await behind.Safe();
        Assert.Single(server.Received);
    }

    [Fact]
    public async Task A_close_with_another_status_is_not_a_refusal_and_the_message_is_written_again_each_time()
    {
        await using var h = new Harness(Options());
        var server = await h.StartAndAcceptAsync();
        var send = Send(h, "m1");
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal(Envelope("m1"), (await server.ReceiveAsync().Safe()).Text);
            await server.CloseAsync(WebSocketCloseStatus.InternalServerError, "restart").Safe();
            server = await h.ReconnectAsync();
        }

        Assert.Equal(Envelope("m1"), (await server.ReceiveAsync().Safe()).Text);
        await AckAsync(server, "m1");
        await send.Safe();
    }
}
