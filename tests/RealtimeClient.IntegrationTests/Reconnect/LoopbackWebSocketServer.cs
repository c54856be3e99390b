using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RealtimeClient.IntegrationTests.Reconnect;

/// <summary>
/// A tiny Kestrel WebSocket server on 127.0.0.1: <c>/ws</c> answers "ping" with "pong" and echoes everything else.
/// <see cref="GoHalfOpen"/> makes every connection stop reading and writing for good, like a peer that vanished.
/// </summary>
internal sealed class LoopbackWebSocketServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _halfOpen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connections;

    private LoopbackWebSocketServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public Uri Uri => new($"ws://127.0.0.1:{Port}/ws");

    public int ConnectionCount => Volatile.Read(ref _connections);

    public static async Task<LoopbackWebSocketServer> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        app.Urls.Add($"http://127.0.0.1:{port}");
        var server = new LoopbackWebSocketServer(app);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Map("/ws", server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Port = new Uri(address).Port;
        return server;
    }

    /// <summary>From now on, every connection stops reading (after the receive under way) and never writes again.</summary>
    public void GoHalfOpen() => _halfOpen.TrySetResult();

    public async Task StopAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _halfOpen.TrySetResult();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        Interlocked.Increment(ref _connections);
        var stopping = _app.Lifetime.ApplicationStopping;
        using var abortOnStop = stopping.Register(socket.Abort);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, stopping).ConfigureAwait(false);
                if (_halfOpen.Task.IsCompleted)
                {
                    // Half-open: never read or write again; hold the TCP connection open until the server stops.
                    await Task.Delay(Timeout.Infinite, stopping).ConfigureAwait(false);
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, stopping).ConfigureAwait(false);
                    return;
                }

                var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
                var reply = text == "ping" ? "pong" : text;
                await socket.SendAsync(Encoding.UTF8.GetBytes(reply), WebSocketMessageType.Text, true, stopping).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The client went away or the server is stopping.
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
        }
    }
}
