using System.Text.Json;
using RealtimeClient.Tests.Engine;
using RealtimeClient.Tests.Infrastructure;
using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Delivery;

public class RequestResponseTests
{
    // Longer than an outage (DeliveryKit.OutageDelay), so healing one on the manual clock does not time requests out.
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(5);

    private static Task<EchoReply?> Echo(Harness h, string text, CancellationToken ct = default) =>
        h.Connection.RequestAsync("echo", new EchoRequest(text), DeliveryJsonContext.Default.EchoRequest, DeliveryJsonContext.Default.EchoReply, ct);

    private static (string Id, string Text) ReadRequest(ReceivedFrame frame)
    {
        using var document = JsonDocument.Parse(frame.Bytes);
        var root = document.RootElement;
        Assert.Equal("echo", root.GetProperty("type").GetString());
        return (root.GetProperty("id").GetString()!, root.GetProperty("data").GetProperty("text").GetString()!);
    }

    private static Task ReplyAsync(FakeServerConnection server, string id, string text, int connection) =>
        server.SendTextAsync(JsonSerializer.Serialize(new { type = "echo_reply", id, data = new { text, connection } }));

    private static Func<RealtimeOptions, RealtimeOptions> Options(bool resend) => o => Outage(new RealtimeOptions
    {
        Uri = o.Uri,
        Connector = o.Connector,
        Requests = new RequestOptions { Timeout = RequestTimeout, ResendOnReconnect = resend },
    });

    [Fact]
    public async Task A_reply_with_the_requests_id_completes_it_and_other_messages_do_not()
    {
        await using var h = new Harness(Options(resend: false));
        var server = await h.StartAndAcceptAsync();

        var first = Echo(h, "one");
        var second = Echo(h, "two");
        var (id1, text1) = ReadRequest(await server.ReceiveAsync().WaitAsync(Safety));
        var (id2, text2) = ReadRequest(await server.ReceiveAsync().WaitAsync(Safety));
        Assert.NotEqual(id1, id2);

        // An ack and an unrelated id do not complete the request; the reply to the second comes first.
        await server.SendTextAsync(JsonSerializer.Serialize(new { type = "ack", id = id1 }));
        await server.SendTextAsync(JsonSerializer.Serialize(new { type = "echo_reply", id = "unrelated", data = new { text = "x", connection = 0 } }));
        await ReplyAsync(server, id2, text2.ToUpperInvariant(), 1);
        Assert.Equal(new EchoReply("TWO", 1), await second.WaitAsync(Safety));
        Assert.False(first.IsCompleted);

        await ReplyAsync(server, id1, text1.ToUpperInvariant(), 1);
        Assert.Equal(new EchoReply("ONE", 1), await first.WaitAsync(Safety));
    }

    [Fact]
    public async Task A_request_without_a_reply_fails_with_TimeoutException_after_the_timeout()
    {
        await using var h = new Harness(Options(resend: false));
        var server = await h.StartAndAcceptAsync();

        var request = Echo(h, "one");
        await server.ReceiveAsync().WaitAsync(Safety);
        h.Time.Advance(RequestTimeout - TimeSpan.FromSeconds(1));
        Assert.False(request.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<TimeoutException>(() => request.WaitAsync(Safety));
        Assert.Equal(0, h.Connection.Requests.Count);
    }

    [Fact]
    public async Task Cancelling_a_request_fails_it_with_OperationCanceledException_and_a_late_reply_is_ignored()
    {
        await using var h = new Harness(Options(resend: false));
        var server = await h.StartAndAcceptAsync();
        var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        using var cancel = new CancellationTokenSource();
        var request = Echo(h, "one", cancel.Token);
        var (id, _) = ReadRequest(await server.ReceiveAsync().WaitAsync(Safety));
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.WaitAsync(Safety));
        Assert.Equal(0, h.Connection.Requests.Count);

        await ReplyAsync(server, id, "late", 1);
        await messages.FirstAsync(m => m.Text!.Contains("late", StringComparison.Ordinal));
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Fact]
    public async Task A_request_queued_while_disconnected_is_cancelled_before_it_is_sent()
    {
        await using var h = new Harness(Options(resend: false));
        var first = await h.StartAndAcceptAsync();
        await BreakAsync(h, first);

        using var cancel = new CancellationTokenSource();
        var request = Echo(h, "one", cancel.Token);
        Assert.Equal(1, h.Connection.PendingCount);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.WaitAsync(Safety));
        Assert.Equal(0, h.Connection.PendingCount);
        Assert.Equal(0, h.Connection.Requests.Count);
        var second = await HealAsync(h);
        await h.Connection.SendAsync("marker").AsTask().WaitAsync(Safety);
        Assert.Equal("marker", (await second.ReceiveAsync().WaitAsync(Safety)).Text);
    }

    [Fact]
    public async Task A_pending_request_fails_with_ConnectionClosedException_when_the_connection_closes_for_good()
    {
        await using var h = new Harness(Options(resend: true));
        var server = await h.StartAndAcceptAsync();

        var request = Echo(h, "one");
        await server.ReceiveAsync().WaitAsync(Safety);
        await h.Connection.StopAsync().WaitAsync(Safety);

        await Assert.ThrowsAsync<ConnectionClosedException>(() => request.WaitAsync(Safety));
        Assert.Equal(0, h.Connection.Requests.Count);
    }

    [Fact]
    public async Task A_pending_request_fails_with_ConnectionClosedException_when_the_server_closes_with_a_fatal_status()
    {
        await using var h = new Harness(Options(resend: true));
        var server = await h.StartAndAcceptAsync();
        var closed = h.NextState(ConnectionState.Closed);

        var request = Echo(h, "one");
        await server.ReceiveAsync().WaitAsync(Safety);
        await server.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, "go away").WaitAsync(Safety);
        await closed;

        await Assert.ThrowsAsync<ConnectionClosedException>(() => request.WaitAsync(Safety));
        var after = await Assert.ThrowsAsync<MessageDeliveryException>(() => Echo(h, "two").WaitAsync(Safety));
        Assert.Equal(DeliveryFailureReason.ConnectionClosed, after.Reason);
    }

    [Fact]
    public async Task A_pending_request_without_resend_fails_with_ConnectionClosedException_when_the_connection_drops()
    {
        await using var h = new Harness(Options(resend: false));
        var first = await h.StartAndAcceptAsync();

        var request = Echo(h, "one");
        await first.ReceiveAsync().WaitAsync(Safety);
        await BreakAsync(h, first);

        await Assert.ThrowsAsync<ConnectionClosedException>(() => request.WaitAsync(Safety));
        var second = await HealAsync(h);
        Assert.Empty(second.Received);
    }

    [Fact]
    public async Task A_pending_request_with_resend_is_sent_again_with_the_same_id_after_reconnect_and_completes_with_the_reply()
    {
        await using var h = new Harness(Options(resend: true));
        var first = await h.StartAndAcceptAsync();

        var request = Echo(h, "one");
        var (id, _) = ReadRequest(await first.ReceiveAsync().WaitAsync(Safety));
        await BreakAsync(h, first);
        Assert.False(request.IsCompleted);

        var second = await HealAsync(h);
        var (resentId, text) = ReadRequest(await second.ReceiveAsync().WaitAsync(Safety));
        Assert.Equal(id, resentId);
        await ReplyAsync(second, resentId, text, 2);

        Assert.Equal(new EchoReply("one", 2), await request.WaitAsync(Safety));
        Assert.Equal(0, h.Connection.Requests.Count);
    }

    [Fact]
    public async Task A_request_queued_during_an_outage_is_sent_once_after_reconnect_and_completes()
    {
        await using var h = new Harness(Options(resend: true));
        var first = await h.StartAndAcceptAsync();
        await BreakAsync(h, first);

        var request = Echo(h, "queued");
        var second = await HealAsync(h);
        var (id, text) = ReadRequest(await second.ReceiveAsync().WaitAsync(Safety));
        await ReplyAsync(second, id, text, 2);

        Assert.Equal(new EchoReply("queued", 2), await request.WaitAsync(Safety));
        Assert.Single(second.Received);
    }
}
