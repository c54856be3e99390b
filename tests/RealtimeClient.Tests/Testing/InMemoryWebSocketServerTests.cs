using System.Net;
using System.Net.WebSockets;
using System.Text;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Testing;

/// <summary>The in-memory server of the RealtimeClient.Testing package, driven by bare managed WebSockets.</summary>
public sealed class InMemoryWebSocketServerTests : IAsyncLifetime
{
    private readonly InMemoryWebSocketServer _server = new();
    private readonly CancellationTokenSource _hangGuard = new(Wait.Timeout);

    private CancellationToken Ct => _hangGuard.Token;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _hangGuard.Dispose();
    }

    [Fact]
    public async Task Text_and_binary_messages_round_trip()
    {
        using WebSocket client = await ConnectAsync();
        FakeServerConnection connection = await _server.AcceptAsync(Ct);

        await client.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, Ct);
        await client.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, Ct);
        ReceivedFrame text = await connection.ReceiveAsync(Ct);
        ReceivedFrame binary = await connection.ReceiveAsync(Ct);

        Assert.Equal(WebSocketMessageType.Text, text.Kind);
        Assert.Equal("hello", text.Text);
        Assert.Equal(WebSocketMessageType.Binary, binary.Kind);
        Assert.Equal(new byte[] { 1, 2, 3 }, binary.Bytes);
        Assert.Null(binary.Text);
        Assert.Equal([text, binary], connection.Received);

        await connection.SendTextAsync("world", Ct);
        await connection.SendBinaryAsync([9, 8], Ct);
        (WebSocketMessageType kind, byte[] bytes) = await ReceiveMessageAsync(client);
        Assert.Equal((WebSocketMessageType.Text, "world"), (kind, Encoding.UTF8.GetString(bytes)));
        (kind, bytes) = await ReceiveMessageAsync(client);
        Assert.Equal(WebSocketMessageType.Binary, kind);
        Assert.Equal(new byte[] { 9, 8 }, bytes);
    }

    [Fact]
    public async Task Fragmented_messages_are_assembled_on_the_server_and_fragments_reach_the_client()
    {
        using WebSocket client = await ConnectAsync();
        FakeServerConnection connection = await _server.AcceptAsync(Ct);

        await client.SendAsync(Encoding.UTF8.GetBytes("ab"), WebSocketMessageType.Text, false, Ct);
        await client.SendAsync(Encoding.UTF8.GetBytes("cd"), WebSocketMessageType.Text, true, Ct);
        await connection.WaitForReceivedCountAsync(1, Ct);
        Assert.Equal("abcd", Assert.Single(connection.Received).Text);

        await connection.SendFragmentsAsync(WebSocketMessageType.Binary, [1], [2, 3], [4]);
        var buffer = new byte[16];
        var frames = new List<(int Count, bool End)>();
        do
        {
            ValueWebSocketReceiveResult result = await client.ReceiveAsync(buffer.AsMemory(), Ct);
            Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
            frames.Add((result.Count, result.EndOfMessage));
        }
        while (!frames[^1].End);

        Assert.Equal([(1, false), (2, false), (1, true)], frames);
    }

    [Fact]
    public async Task Client_close_is_seen_by_the_server_with_status_and_answered()
    {
        using WebSocket client = await ConnectAsync();
        FakeServerConnection connection = await _server.AcceptAsync(Ct);

        await client.CloseAsync(WebSocketCloseStatus.PolicyViolation, "bye", Ct);

        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "bye"), await connection.ClientClosed.WaitAsync(Ct));
        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.CloseStatus); // the server echoed the status
        Assert.True(connection.IsClientDisconnected); // the managed socket drops its stream once closed
    }

    [Fact]
    public async Task Server_close_reaches_the_client_and_completes_when_the_client_answers()
    {
        using WebSocket client = await ConnectAsync();
        FakeServerConnection connection = await _server.AcceptAsync(Ct);

        Task<(WebSocketCloseStatus?, string?)> serverClose = connection.CloseAsync(4001, "go away", Ct);
        ValueWebSocketReceiveResult result = await client.ReceiveAsync(new byte[16].AsMemory(), Ct);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal((WebSocketCloseStatus)4001, client.CloseStatus);
        Assert.Equal("go away", client.CloseStatusDescription);
        Assert.Equal(WebSocketState.CloseReceived, client.State); // the managed socket does not answer by itself
        Assert.False(serverClose.IsCompleted);

        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "ok", Ct);

        Assert.Equal((WebSocketCloseStatus.NormalClosure, "ok"), await serverClose);
        Assert.Equal(WebSocketState.Closed, client.State);
    }

    [Fact]
    public async Task Server_abort_makes_the_clients_pending_receive_fail()
    {
        using WebSocket client = await ConnectAsync();
        FakeServerConnection connection = await _server.AcceptAsync(Ct);
        ValueTask<ValueWebSocketReceiveResult> pending = client.ReceiveAsync(new byte[16].AsMemory(), Ct);

        connection.Abort();

        await Assert.ThrowsAsync<WebSocketException>(async () => await pending);
        Assert.Equal((null, null), await connection.ClientClosed.WaitAsync(Ct));
    }

    [Fact]
    public async Task Client_abort_is_seen_by_the_server_as_a_dropped_connection()
    {
        WebSocket client = await ConnectAsync();
        FakeServerConnection connection = await _server.AcceptAsync(Ct);
        Assert.False(connection.IsClientDisconnected);

        client.Abort();

        await connection.ClientDisconnected.WaitAsync(Ct);
        Assert.Equal((null, null), await connection.ClientClosed.WaitAsync(Ct));
        Assert.True(connection.IsClientDisconnected);
        await Assert.ThrowsAnyAsync<Exception>(() => connection.SendTextAsync("too late", Ct));
    }

    [Fact]
    public async Task Silent_server_never_answers_the_clients_close()
    {
        using WebSocket client = await ConnectAsync();
        FakeServerConnection connection = await _server.AcceptAsync(Ct);
        connection.GoSilent();

        await client.SendAsync(Encoding.UTF8.GetBytes("buffered"), WebSocketMessageType.Text, true, Ct);
        using var closeTimeout = new CancellationTokenSource();
        Task close = client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", closeTimeout.Token);
        Assert.False(close.IsCompleted);
        Assert.False(connection.ClientClosed.IsCompleted);

        await closeTimeout.CancelAsync(); // what a client's close timeout does

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => close.WaitAsync(Ct));
        // A cancelled close leaves the managed socket CloseSent or Aborted (racy): the caller must Abort it.
        Assert.Contains(client.State, new[] { WebSocketState.CloseSent, WebSocketState.Aborted });
        client.Abort();
        await connection.ClientDisconnected.WaitAsync(Ct);
        Assert.Empty(connection.Received);
        Assert.False(connection.ClientClosed.IsCompleted); // silent: it never read the close
    }

    [Fact]
    public async Task OnMessage_hook_replies_in_order_and_is_installed_before_the_first_message()
    {
        _server.OnAccepted = c => c.OnMessage = (frame, conn) => new ValueTask(conn.SendTextAsync("ack:" + frame.Text));
        using WebSocket client = await ConnectAsync();

        await client.SendAsync(Encoding.UTF8.GetBytes("1"), WebSocketMessageType.Text, true, Ct);
        await client.SendAsync(Encoding.UTF8.GetBytes("2"), WebSocketMessageType.Text, true, Ct);

        Assert.Equal("ack:1", Encoding.UTF8.GetString((await ReceiveMessageAsync(client)).Bytes));
        Assert.Equal("ack:2", Encoding.UTF8.GetString((await ReceiveMessageAsync(client)).Bytes));
        Assert.Empty(_server.Connections[0].OnMessageFailures);
    }

    [Fact]
    public async Task Handshakes_follow_the_script_then_the_default_and_every_request_is_recorded()
    {
        _server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.ServiceUnavailable), Handshake.Fail());
        _server.DefaultHandshake = Handshake.Refuse(HttpStatusCode.Unauthorized);

        HandshakeRejectedException refused = await Assert.ThrowsAsync<HandshakeRejectedException>(() => ConnectAsync(attempt: 1));
        await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(attempt: 2));
        HandshakeRejectedException unauthorized = await Assert.ThrowsAsync<HandshakeRejectedException>(() => ConnectAsync(attempt: 3));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal([1, 2, 3], _server.Requests.Select(r => r.Attempt));
        Assert.All(_server.Requests, r => Assert.Equal("token-1", r.Headers["Authorization"]));
        Assert.Empty(_server.Connections);
    }

    [Fact]
    public async Task The_first_offered_subprotocol_is_chosen()
    {
        using WebSocket client = await _server.ConnectAsync(new WebSocketConnectRequest(new Uri("ws://fake.test/"), new Dictionary<string, string>(), ["v2", "v1"], 1), Ct);

        Assert.Equal("v2", client.SubProtocol);
        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task Hanging_handshake_ends_only_when_the_attempt_is_cancelled()
    {
        _server.EnqueueHandshake(Handshake.Hang);
        using var attemptTimeout = new CancellationTokenSource();

        Task<WebSocket> attempt = _server.ConnectAsync(Request(1), attemptTimeout.Token).AsTask();
        await _server.WaitForRequestCountAsync(1, Ct);
        Assert.False(attempt.IsCompleted);

        await attemptTimeout.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => attempt.WaitAsync(Ct));
        using WebSocket next = await ConnectAsync(attempt: 2); // the default accepts again
        Assert.Equal(WebSocketState.Open, next.State);
    }

    [Fact]
    public async Task AcceptAsync_returns_connections_in_order_including_earlier_ones()
    {
        using WebSocket first = await ConnectAsync(attempt: 1);
        using WebSocket second = await ConnectAsync(attempt: 2);

        Assert.Equal(1, (await _server.AcceptAsync(Ct)).Request.Attempt);
        Assert.Equal(2, (await _server.AcceptAsync(Ct)).Request.Attempt);
        Task<FakeServerConnection> third = _server.AcceptAsync(Ct);
        Assert.False(third.IsCompleted);
        using WebSocket client3 = await ConnectAsync(attempt: 3);
        Assert.Equal(3, (await third).Request.Attempt);
        Assert.Equal(3, _server.Connections.Count);
    }

    [Fact]
    public async Task Invalid_utf8_in_a_text_frame_fails_the_clients_receive()
    {
        using WebSocket client = await ConnectAsync();
        FakeServerConnection connection = await _server.AcceptAsync(Ct);

        await connection.SendRawTextBytesAsync([0xC3, 0x28]);

        await Assert.ThrowsAsync<WebSocketException>(async () => await client.ReceiveAsync(new byte[16].AsMemory(), Ct));
        Assert.Equal(WebSocketState.Aborted, client.State);
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, (await connection.ClientClosed.WaitAsync(Ct)).Status);
    }

    [Fact]
    public async Task Disposing_the_server_drops_every_connection()
    {
        using WebSocket client = await ConnectAsync();
        FakeServerConnection connection = await _server.AcceptAsync(Ct);
        ValueTask<ValueWebSocketReceiveResult> pending = client.ReceiveAsync(new byte[16].AsMemory(), Ct);

        await _server.DisposeAsync();

        await Assert.ThrowsAsync<WebSocketException>(async () => await pending);
        Assert.Equal((null, null), await connection.ClientClosed.WaitAsync(Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => ConnectAsync());
    }

    private static WebSocketConnectRequest Request(int attempt) =>
        new(new Uri("ws://fake.test/socket"), new Dictionary<string, string> { ["Authorization"] = "token-1" }, [], attempt);

    private async Task<WebSocket> ConnectAsync(int attempt = 1) => await _server.ConnectAsync(Request(attempt), Ct);

    private async Task<(WebSocketMessageType Kind, byte[] Bytes)> ReceiveMessageAsync(WebSocket client)
    {
        var buffer = new byte[1024];
        using var message = new MemoryStream();
        ValueWebSocketReceiveResult result;
        do
        {
            result = await client.ReceiveAsync(buffer.AsMemory(), Ct);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return (result.MessageType, message.ToArray());
    }
}
