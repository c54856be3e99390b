using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// A chat server (Kestrel on 127.0.0.1, <c>/ws</c>) that speaks just enough of docs/protocol.md to refuse a line, which the
/// sample server never does for anything a user can type: <c>auth</c> gets <c>auth_success</c>; a <c>message</c> whose text
/// contains "forbidden" gets an <c>error</c> 403 repeating its id; any other <c>message</c> gets its <c>ack</c> and comes
/// back to the sender as a broadcast; <c>heartbeat</c> gets its pong. One client at a time is enough for the tests.
/// Started with <c>holdAuth</c>, it answers <c>auth</c> only after <see cref="ReleaseAuth"/>: until then the client is
/// connecting, and lines typed are queued.
/// </summary>
internal sealed class RefusingChatServer : IAsyncDisposable
{
    public const string Refusal = "that word is not allowed";

    private readonly WebApplication _app;
    private readonly TaskCompletionSource _authReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connections;

    private RefusingChatServer(WebApplication app, bool holdAuth)
    {
        _app = app;
        if (!holdAuth)
        {
            _authReleased.SetResult();
        }
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>How many WebSocket connections were accepted so far.</summary>
    public int ConnectionsAccepted => Volatile.Read(ref _connections);

    /// <summary>Lets the server answer <c>auth</c> (started with <c>holdAuth</c>).</summary>
    public void ReleaseAuth() => _authReleased.TrySetResult();

    public static async Task<RefusingChatServer> StartAsync(bool holdAuth = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var server = new RefusingChatServer(app, holdAuth);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Map("/ws", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Url = new Uri($"ws://127.0.0.1:{new Uri(address).Port}/ws");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        Interlocked.Increment(ref _connections);
        var stopping = _app.Lifetime.ApplicationStopping;
        using var abortOnStop = stopping.Register(socket.Abort);
        var user = new JsonObject { ["id"] = "u-0", ["username"] = "anonymous" };
        try
        {
            while (await ReceiveAsync(socket, stopping) is { } frame)
            {
                using var envelope = JsonDocument.Parse(frame);
                var root = envelope.RootElement;
                var type = root.GetProperty("type").GetString();
                var id = root.TryGetProperty("id", out var i) ? i.GetString() : null;
                switch (type)
                {
                    case "auth":
                        await _authReleased.Task.WaitAsync(stopping);
                        var token = root.GetProperty("data").GetProperty("token").GetString();
                        user = new JsonObject { ["id"] = $"u-{token}", ["username"] = token };
                        await SendAsync(socket, new JsonObject
                        {
                            ["type"] = "auth_success",
                            ["data"] = new JsonObject { ["user"] = user.DeepClone(), ["online_count"] = 1 },
                        }, stopping);
                        break;
                    case "message" when root.GetProperty("data").GetProperty("text").GetString() is { } text:
                        if (text.Contains("forbidden", StringComparison.Ordinal))
                        {
                            await SendAsync(socket, new JsonObject { ["type"] = "error", ["id"] = id, ["code"] = 403, ["message"] = Refusal }, stopping);
                            break;
                        }

                        await SendAsync(socket, new JsonObject { ["type"] = "ack", ["id"] = id }, stopping);
                        await SendAsync(socket, new JsonObject
                        {
                            ["type"] = "message",
                            ["data"] = new JsonObject
                            {
                                ["id"] = Guid.NewGuid().ToString("N"),
                                ["sender"] = user.DeepClone(),
                                ["text"] = text,
                                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                            },
                        }, stopping);
                        break;
                    case "heartbeat":
                        await SendAsync(socket, new JsonObject { ["type"] = "heartbeat", ["message"] = "pong" }, stopping);
                        break;
                    default:
                        await SendAsync(socket, new JsonObject { ["type"] = "error", ["id"] = id, ["code"] = 400, ["message"] = "unknown type" }, stopping);
                        break;
                }
            }

            if (socket.State == WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, stopping);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The client went away or the server is stopping.
        }
    }

    /// <summary>The next whole text message, or null when the client closed.</summary>
    private static async Task<byte[]?> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return message.ToArray();
            }
        }
    }

    private static Task SendAsync(WebSocket socket, JsonObject frame, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(frame.ToJsonString()), WebSocketMessageType.Text, true, cancellationToken);
}
