using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RealtimeClient.IntegrationTests.ChatServer;

/// <summary>
/// A raw <see cref="ClientWebSocket"/> speaking the chat protocol by hand, for conformance tests.
/// Every wait is bounded by <see cref="Timeout"/> only as a guard against hangs.
/// </summary>
internal sealed class ChatTestClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;

    private ChatTestClient(ClientWebSocket socket, string connectionId)
    {
        _socket = socket;
        ConnectionId = connectionId;
    }

    public string ConnectionId { get; }

    public WebSocket Socket => _socket;

    /// <summary>Connects and consumes the <c>system</c> greeting.</summary>
    public static async Task<ChatTestClient> ConnectAsync(Uri url)
    {
        var socket = await OpenAsync(url);
        var system = await ReceiveFrameAsync(socket);
        Assert.Equal("system", system.GetProperty("type").GetString());
        return new ChatTestClient(socket, system.GetProperty("data").GetProperty("connection_id").GetString()!);
    }

    /// <summary>Connects, authenticates with <paramref name="token"/> and consumes <c>auth_success</c>.</summary>
    public static async Task<ChatTestClient> ConnectAndAuthenticateAsync(Uri url, string token)
    {
        var client = await ConnectAsync(url);
        await client.SendAuthAsync(token);
        await client.ExpectAsync("auth_success");
        return client;
    }

    /// <summary>Opens the socket without reading anything.</summary>
    public static async Task<ClientWebSocket> OpenAsync(Uri url)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(url, timeout.Token);
        return socket;
    }

    public Task SendAuthAsync(string token, string? id = null) =>
        SendAsync(Frame("auth", new JsonObject { ["token"] = token }, id));

    public Task SendMessageAsync(string text, string? id = null) =>
        SendAsync(Frame("message", new JsonObject { ["text"] = text }, id));

    public Task SendHeartbeatAsync(string? id = null) => SendAsync(Frame("heartbeat", null, id));

    public async Task SendAsync(string json)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
    }

    public async Task SendBinaryAsync(byte[] payload)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _socket.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
    }

    public static string Frame(string type, JsonObject? data, string? id)
    {
        var frame = new JsonObject { ["type"] = type };
        if (data is not null)
        {
            frame["data"] = data;
        }

        if (id is not null)
        {
            frame["id"] = id;
        }

        return frame.ToJsonString();
    }

    /// <summary>The very next frame, which must be a text frame.</summary>
    public Task<JsonElement> ReceiveAsync() => ReceiveFrameAsync(_socket);

    /// <summary>The very next frame, which must be of <paramref name="type"/>.</summary>
    public async Task<JsonElement> ExpectAsync(string type)
    {
        var frame = await ReceiveAsync();
        Assert.True(
            frame.GetProperty("type").GetString() == type,
            $"expected a '{type}' frame, got {frame.GetRawText()}");
        return frame;
    }

    /// <summary>Reads until the server's close frame (failing on any text frame), answers it and returns its status.</summary>
    public async Task<WebSocketCloseStatus?> ExpectCloseAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var buffer = new byte[8192];
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                }

                return result.CloseStatus;
            }

            Assert.Fail($"expected a close frame, got a {result.MessageType} frame: {Encoding.UTF8.GetString(buffer, 0, result.Count)}");
        }
    }

    /// <summary>Closes the connection normally and waits for the server's answer.</summary>
    public async Task CloseAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
    }

    public static async Task<JsonElement> ReceiveFrameAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var message = new ArrayBufferWriter<byte>();
        var buffer = new byte[8192];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                Assert.Fail($"expected a text frame, the server closed with {result.CloseStatus} '{result.CloseStatusDescription}'");
            }

            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            message.Write(buffer.AsSpan(0, result.Count));
            if (result.EndOfMessage)
            {
                using var document = JsonDocument.Parse(message.WrittenMemory);
                return document.RootElement.Clone();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }

        _socket.Dispose();
    }
}
