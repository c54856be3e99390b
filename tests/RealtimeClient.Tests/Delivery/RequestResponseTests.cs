using System.Net.WebSockets;
using System.Text.Json;
using RealtimeClient.Testing;
using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Delivery;

public sealed class RequestResponseTests
{
    // Longer than an outage (DeliveryKit.OutageDelay), so healing one on the virtual clock does not time requests out.
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(5);

    private static Task<EchoReply?> Echo(Harness h, string text, CancellationToken ct = default) =>
        h.Connection.RequestAsync<EchoRequest, EchoReply>("echo", new EchoRequest(text), ct);

    private static (string Id, string Text) ReadRequest(ReceivedFrame frame)
    {
        using var document = JsonDocument.Parse(frame.Bytes);
        var root = document.RootElement;
        Assert.Equal("echo", root.GetProperty("type").GetString());
        return (root.GetProperty("id").GetString()!, root.GetProperty("data").GetProperty("text").GetString()!);
    }

    private static Task ReplyAsync(FakeServerConnection server, string id, string text, int connection) =>
        server.SendTextAsync(JsonSerializer.Serialize(new { type = "echo_reply", id, data = new { text, connection } }));

    private static Func<RealtimeOptions, RealtimeOptions> Options(bool resend) => o => WithOutages(o) with
    {
        Requests = new RequestOptions { Timeout = RequestTimeout, ResendOnReconnect = resend },
    };

    [Fact]
    public async Task A_reply_with_the_requests_id_completes_it_and_other_messages_do_not()
    {
        await using var h = new Harness(Options(resend: false));
        var server = await h.StartAndAcceptAsync();

        var first = Echo(h, "one");
        var second = Echo(h, "two");
        var (id1, text1) = ReadRequest(await server.ReceiveAsync().Safe());
        var (id2, text2) = ReadRequest(await server.ReceiveAsync().Safe());
        Assert.NotEqual(id1, id2);

        // An ack and an unrelated id do not complete the request; the reply to the second comes first.
        await AckAsync(server, id1);
        await server.SendTextAsync(JsonSerializer.Serialize(new { type = "echo_reply", id = "unrelated", data = new { text = "x", connection = 0 } }));
        await ReplyAsync(server, id2, text2.ToUpperInvariant(), 1);
        Assert.Equal(new EchoReply("TWO", 1), await second.Safe());
        Assert.False(first.IsCompleted);

        await ReplyAsync(server, id1, text1.ToUpperInvariant(), 1);
        Assert.Equal(new EchoReply("ONE", 1), await first.Safe());
        Assert.Equal(0, h.Connection.PendingRequestCount);
    }

    [Fact]
    public async Task A_request_without_a_reply_fails_with_TimeoutException_after_the_timeout()
    {
        await using var h = new Harness(Options(resend: false));
        var server = await h.StartAndAcceptAsync();

        var request = Echo(h, "one");
        await server.ReceiveAsync().Safe();
        await h.Clock.WaitForTimerAsync(d => d == RequestTimeout).Safe();
        h.Clock.Advance(RequestTimeout - TimeSpan.FromSeconds(1));
        Assert.False(request.IsCompleted);
        h.Clock.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<TimeoutException>(() => request.Safe());
        Assert.Equal(0, h.Connection.PendingRequestCount);
    }

    [Fact]
    public async Task Cancelling_a_request_fails_it_with_OperationCanceledException_and_a_late_reply_is_ignored()
    {
        await using var h = new Harness(Options(resend: false));
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        using var cancel = new CancellationTokenSource();
        var request = Echo(h, "one", cancel.Token);
        var (id, _) = ReadRequest(await server.ReceiveAsync().Safe());
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.Safe());
        Assert.Equal(0, h.Connection.PendingRequestCount);

        await ReplyAsync(server, id, "late", 1);
        await messages.FirstAsync(m => m.Text!.Contains("late", StringComparison.Ordinal));
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Fact]
    public async Task A_request_queued_while_disconnected_is_cancelled_before_it_is_sent()
    {
        await using var h = new Harness(Options(resend: false));
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());

        using var cancel = new CancellationTokenSource();
        var request = Echo(h, "one", cancel.Token);
        Assert.Equal(1, h.Connection.PendingCount);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.Safe());
        Assert.Equal(0, h.Connection.PendingCount);
        Assert.Equal(0, h.Connection.PendingRequestCount);
        var second = await outage.HealAsync();
        await h.Connection.SendTextAsync("marker").AsTask().Safe();
        Assert.Equal("marker", (await second.ReceiveAsync().Safe()).Text);
    }

    [Fact]
    public async Task A_pending_request_fails_with_ConnectionClosedException_when_the_connection_closes_for_good()
    {
        await using var h = new Harness(Options(resend: true));
        var server = await h.StartAndAcceptAsync();

        var request = Echo(h, "one");
        await server.ReceiveAsync().Safe();
        await h.Connection.StopAsync().Safe();

        await Assert.ThrowsAsync<ConnectionClosedException>(() => request.Safe());
        Assert.Equal(0, h.Connection.PendingRequestCount);
    }

    [Fact]
    public async Task A_pending_request_fails_with_ConnectionClosedException_when_the_server_closes_with_a_fatal_status()
    {
        await using var h = new Harness(Options(resend: true));
        var server = await h.StartAndAcceptAsync();
        var closed = h.NextState(ConnectionState.Closed);

        var request = Echo(h, "one");
        await server.ReceiveAsync().Safe();
        await server.CloseAsync(WebSocketCloseStatus.PolicyViolation, "go away").Safe();
        await closed;

        await Assert.ThrowsAsync<ConnectionClosedException>(() => request.Safe());
        var after = await Assert.ThrowsAsync<MessageDeliveryException>(() => Echo(h, "two").Safe());
        Assert.Equal(DeliveryFailureReason.ConnectionClosed, after.Reason);
    }

    [Fact]
    public async Task A_pending_request_without_resend_fails_with_ConnectionClosedException_when_the_connection_drops()
    {
        await using var h = new Harness(Options(resend: false));
        var first = await h.StartAndAcceptAsync();

        var request = Echo(h, "one");
        await first.ReceiveAsync().Safe();
        var outage = await BreakAsync(h, first);

        var failure = await Assert.ThrowsAsync<ConnectionClosedException>(() => request.Safe());
        Assert.Equal(DisconnectKind.ConnectionLost, failure.Disconnect?.Kind);
        var second = await outage.HealAsync();
        await h.Connection.SendTextAsync("marker").AsTask().Safe();
        Assert.Equal("marker", (await second.ReceiveAsync().Safe()).Text);
        Assert.Single(second.Received);
    }

    [Fact]
    public async Task A_pending_request_with_resend_is_sent_again_with_the_same_id_after_reconnect_and_completes_with_the_reply()
    {
        await using var h = new Harness(Options(resend: true));
        var first = await h.StartAndAcceptAsync();

        var request = Echo(h, "one");
        var (id, _) = ReadRequest(await first.ReceiveAsync().Safe());
        var outage = await BreakAsync(h, first);
        Assert.False(request.IsCompleted);

        var second = await outage.HealAsync();
        var (resentId, text) = ReadRequest(await second.ReceiveAsync().Safe());
        Assert.Equal(id, resentId);
        await ReplyAsync(second, resentId, text, 2);

        Assert.Equal(new EchoReply("one", 2), await request.Safe());
        Assert.Equal(0, h.Connection.PendingRequestCount);
    }

    [Fact]
    public async Task A_request_queued_during_an_outage_is_sent_once_after_reconnect_and_completes()
    {
        await using var h = new Harness(Options(resend: true));
        var outage = await BreakAsync(h, await h.StartAndAcceptAsync());

        var request = Echo(h, "queued");
        var second = await outage.HealAsync();
        var (id, text) = ReadRequest(await second.ReceiveAsync().Safe());
        await ReplyAsync(second, id, text, 2);

        Assert.Equal(new EchoReply("queued", 2), await request.Safe());
        Assert.Single(second.Received);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_request_still_queued_when_the_connection_drops_is_not_failed_and_is_written_once_on_the_next_connection(bool resend)
    {
        // Issue 11, item 4: the old engine failed it with "connection lost" and still sent it; an app that retried ran it twice.
        await using var h = new Harness(Options(resend));
        var first = await h.StartAndAcceptAsync();
        first.BlockClientWrites();
        var blocker = h.Connection.SendTextAsync("blocker").AsTask();
        await first.ClientWriteBlocked.Safe();
        var request = Echo(h, "queued");
        Assert.Equal(1, h.Connection.PendingCount);

        var outage = await BreakAsync(h, first);
        Assert.False(request.IsCompleted);
        Assert.Empty(first.Received);

        var second = await outage.HealAsync();
        var (id, text) = ReadRequest(await second.ReceiveAsync().Safe());
        await ReplyAsync(second, id, text, 2);
        Assert.Equal(new EchoReply("queued", 2), await request.Safe());

        // The at-most-once message cut under its write may have left: it is not written again (it could arrive twice).
        var cut = await Assert.ThrowsAsync<MessageDeliveryException>(() => blocker).Safe();
        Assert.Equal(DeliveryFailureReason.Interrupted, cut.Reason);
        Assert.Single(second.Received);
        Assert.Equal(0, h.Connection.PendingRequestCount);
    }

    [Fact]
    public async Task A_written_request_with_resend_goes_out_again_at_its_place_in_the_order()
    {
        await using var h = new Harness(Options(resend: true));
        var first = await h.StartAndAcceptAsync();
        var before = h.Connection.SendTextAsync(Envelope("before"), Acked("before")).AsTask();
        var request = Echo(h, "one");
        var after = h.Connection.SendTextAsync(Envelope("after"), Acked("after")).AsTask();
        Assert.Equal(3, (await ReceiveTextsAsync(first, 3)).Count);

        var outage = await BreakAsync(h, first);
        var queued = h.Connection.SendTextAsync(Envelope("queued"), Acked("queued")).AsTask();
        var second = await outage.HealAsync();

        var frames = new List<ReceivedFrame>();
        for (var i = 0; i < 4; i++)
        {
            frames.Add(await second.ReceiveAsync().Safe());
        }

        Assert.Equal(["m", "echo", "m", "m"], frames.Select(TypeOf));
        Assert.Equal("before", IdOf(frames[0]));
        Assert.Equal("after", IdOf(frames[2]));
        Assert.Equal("queued", IdOf(frames[3]));
        var (id, text) = ReadRequest(frames[1]);
        await ReplyAsync(second, id, text, 2);
        foreach (var ack in new[] { "before", "after", "queued" })
        {
            await AckAsync(second, ack);
        }

        await Task.WhenAll(before, request, after, queued).Safe();
    }

    [Fact]
    public async Task A_refused_request_throws_MessageDeliveryException_with_the_servers_code_and_message()
    {
        await using var h = new Harness(Options(resend: false));
        var server = await h.StartAndAcceptAsync();

        var request = Echo(h, "forbidden");
        var (id, _) = ReadRequest(await server.ReceiveAsync().Safe());
        await RefuseAsync(server, id, 403, "not allowed");

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => request.Safe());
        Assert.Equal(DeliveryFailureReason.Rejected, failure.Reason);
        Assert.Equal(id, failure.MessageId);
        Assert.Equal("403", failure.Rejection?.Code);
        Assert.Equal("not allowed", failure.Rejection?.Message);
        Assert.Equal("error", failure.Rejection?.Type);
        Assert.Equal(0, h.Connection.PendingRequestCount);
        Assert.DoesNotContain(h.Errors.Values, e => e.Kind == ErrorKind.MessageRejected);
    }

    [Fact]
    public async Task A_request_with_resend_cancelled_during_an_outage_is_not_written_again()
    {
        await using var h = new Harness(Options(resend: true));
        var first = await h.StartAndAcceptAsync();
        using var cancel = new CancellationTokenSource();
        var request = Echo(h, "abandoned", cancel.Token);
        await first.ReceiveAsync().Safe();

        var outage = await BreakAsync(h, first);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.Safe());
        Assert.Equal(0, h.Connection.PendingCount);

        var second = await outage.HealAsync();
        await h.Connection.SendTextAsync("marker").AsTask().Safe();
        Assert.Equal("marker", (await second.ReceiveAsync().Safe()).Text);
        Assert.Single(second.Received);
    }
}
