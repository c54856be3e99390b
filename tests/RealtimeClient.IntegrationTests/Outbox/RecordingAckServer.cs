using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RealtimeClient.IntegrationTests.Outbox;

/// <summary>
/// A small Kestrel WebSocket server on 127.0.0.1 that does what a server of durable messages must do: it acknowledges
/// every envelope that carries an <c>id</c> (again for a repeat) and de-duplicates by that id, recording each message the
/// first time it arrives, in arrival order, with its id and its <c>data.text</c>. It also counts every arrival.
/// </summary>
internal sealed class RecordingAckServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<(string Id, string Text)> _record = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<(Func<IReadOnlyList<(string Id, string Text)>, bool> Done, TaskCompletionSource Signal)> _waiters = [];
    private int _arrivals;

    private RecordingAckServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>Every message, de-duplicated by id, in the order of first arrival.</summary>
    public IReadOnlyList<(string Id, string Text)> Record
    {
        get
        {
            lock (_gate)
            {
                return [.. _record];
            }
        }
    }

    /// <summary>Every envelope with an id that arrived, repeats included.</summary>
    public int Arrivals => Volatile.Read(ref _arrivals);

    public static async Task<RecordingAckServer> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        app.Urls.Add($"http://127.0.0.1:{port}");
        var server = new RecordingAckServer(app);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Map("/ws", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Port = new Uri(address).Port;
        return server;
    }

    /// <summary>Completes once the record satisfies <paramref name="done"/> (checked on every new message); fails after the guard.</summary>
    public Task WaitForAsync(Func<IReadOnlyList<(string Id, string Text)>, bool> done)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (done(_record))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((done, signal));
        }

        return WithContextAsync(signal.Task);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task WithContextAsync(Task task)
    {
        try
        {
            await task.WaitAsync(Sample.CapturedOutput.Timeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"The server's record did not get there in time; it holds {Record.Count} messages after {Arrivals} arrivals.", ex);
        }
    }

    private void Arrived(string id, string text)
    {
        Interlocked.Increment(ref _arrivals);
        List<TaskCompletionSource>? done = null;
        lock (_gate)
        {
            if (!_seen.Add(id))
            {
                return;
            }

            _record.Add((id, text));
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Done(_record))
                {
                    (done ??= []).Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var signal in done ?? [])
        {
            signal.TrySetResult();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var stopping = _app.Lifetime.ApplicationStopping;
        using var abortOnStop = stopping.Register(socket.Abort);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, stopping);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, stopping);
                    return;
                }

                using var envelope = JsonDocument.Parse(message.ToArray());
                if (!envelope.RootElement.TryGetProperty("id", out var idElement) || idElement.GetString() is not { } id)
                {
                    continue;
                }

                var text = envelope.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("text", out var t) ? t.GetString() ?? string.Empty : string.Empty;
                Arrived(id, text);

                // Acknowledged once recorded (a repeat too: the client did not see the first ack).
                var ack = Encoding.UTF8.GetBytes($"{{\"type\":\"ack\",\"id\":{JsonSerializer.Serialize(id)}}}");
                await socket.SendAsync(ack, WebSocketMessageType.Text, true, stopping);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The client went away (or was killed), or the server is stopping.
        }
    }
}
