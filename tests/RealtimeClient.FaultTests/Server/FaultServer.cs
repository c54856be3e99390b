using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RealtimeClient.FaultTests.Support;

namespace RealtimeClient.FaultTests.Server;

/// <summary>
/// A Kestrel WebSocket server on 127.0.0.1 speaking enough of the sample chat protocol to check delivery: a text JSON
/// object with a string <c>id</c> is recorded and answered <c>{"type":"ack","id":...}</c> (a repeated id is recorded
/// as a repeat and acknowledged again), a message without an id is recorded and not answered, <c>heartbeat</c> is
/// answered with a pong. Controls: <see cref="RefuseNextHandshakes"/> (503, 401 with the token revoked),
/// <see cref="CloseAllAsync"/> and <see cref="CloseNextConnections"/> (a close frame with a chosen code), and
/// <see cref="StopAsync"/> / <see cref="StartAgainAsync"/> / <see cref="RestartAsync"/> on the same port, keeping or
/// resetting <see cref="Received"/> and <see cref="Handshakes"/>. Thread-safe.
/// </summary>
public sealed class FaultServer : IAsyncDisposable
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly List<ServerConnection> _open = [];
    private readonly AsyncCounter _opened = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private int _closeNext;
    private int _lastNumber;
    private WebSocketCloseStatus _closeNextStatus;

    private FaultServer()
    {
    }

    /// <summary>The port; kept across restarts.</summary>
    public int Port { get; private set; }

    /// <summary>The WebSocket endpoint, <c>ws://127.0.0.1:PORT/ws</c> (every path is served the same way).</summary>
    public Uri Uri => new($"ws://127.0.0.1:{Port}/ws");

    /// <summary>Whether the server is listening.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_lock)
            {
                return _app is not null;
            }
        }
    }

    /// <summary>Every data message received (kept or reset on restart, as the caller chooses).</summary>
    public ReceivedLog Received { get; private set; } = new();

    /// <summary>The handshake refusals and their counts (kept or reset with <see cref="Received"/>).</summary>
    public HandshakeGate Handshakes { get; private set; } = new();

    /// <summary>WebSocket connections opened since the server was created (across restarts).</summary>
    public int ConnectionsOpened => _opened.Value;

    /// <summary>WebSocket connections open now.</summary>
    public int OpenConnections
    {
        get
        {
            lock (_lock)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Starts a server on 127.0.0.1 (<paramref name="port"/> 0: any free port).</summary>
    public static async Task<FaultServer> StartAsync(int port = 0)
    {
        var server = new FaultServer { Port = port };
        await server.StartAgainAsync(keepState: true).ConfigureAwait(false);
        return server;
    }

    /// <summary>Refuses the next <paramref name="count"/> handshakes with <paramref name="statusCode"/> (503, 401...).</summary>
    public void RefuseNextHandshakes(int count, int statusCode) => Handshakes.RefuseNext(count, statusCode);

    /// <summary>Closes the next <paramref name="count"/> connections with <paramref name="status"/> right after their handshake.</summary>
    public void CloseNextConnections(int count, WebSocketCloseStatus status)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
        {
            _closeNext = count;
            _closeNextStatus = status;
        }
    }

    /// <summary>
    /// Sends a close frame with <paramref name="status"/> on every open connection, or only on those whose request path is
    /// <paramref name="path"/>; each is aborted if its client does not close within 2 s.
    /// </summary>
    public async Task CloseAllAsync(WebSocketCloseStatus status, string? path = null)
    {
        ServerConnection[] open;
        lock (_lock)
        {
            open = [.. _open.Where(c => path is null || c.Path == path)];
        }

        await Task.WhenAll(open.Select(c => c.CloseAsync(status, "fault"))).ConfigureAwait(false);
    }

    /// <summary>Completes once <paramref name="count"/> WebSocket connections have been opened in all.</summary>
    public Task WaitForConnectionsAsync(int count, CancellationToken cancellationToken) => _opened.WaitForAsync(count, cancellationToken);

    /// <summary>
    /// Stops: closes every connection with 1001 (going away), aborts those still open after 2 s, and stops listening.
    /// Does nothing when stopped.
    /// </summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            WebApplication? app;
            lock (_lock)
            {
                app = _app;
                _app = null; // new handshakes from now on are refused with 503
            }

            if (app is null)
            {
                return;
            }

            await CloseAllAsync(WebSocketCloseStatus.EndpointUnavailable).ConfigureAwait(false);
            ServerConnection[] open;
            lock (_lock)
            {
                open = [.. _open];
            }

            try
            {
                await Task.WhenAll(open.Select(c => c.Ended)).WaitAsync(StopBound / 2).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                foreach (var connection in open)
                {
                    connection.Abort(); // a client that does not answer the close is cut off
                }
            }

            using var bound = new CancellationTokenSource(StopBound);
            await app.StopAsync(bound.Token).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Starts listening again on the same port; <paramref name="keepState"/> false starts with a fresh log and gate.</summary>
    public async Task StartAgainAsync(bool keepState)
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (IsRunning)
            {
                throw new InvalidOperationException("The server is running.");
            }

            if (!keepState)
            {
                Received = new ReceivedLog();
                Handshakes = new HandshakeGate();
            }

            var app = Build(Port);
            await app.StartAsync().ConfigureAwait(false);
            var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            Port = new Uri(addresses.Single()).Port;
            lock (_lock)
            {
                _app = app;
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops, stays down for <paramref name="downtime"/>, and starts again on the same port.</summary>
    public async Task RestartAsync(TimeSpan downtime, bool keepState)
    {
        await StopAsync().ConfigureAwait(false);
        if (downtime > TimeSpan.Zero)
        {
            await Task.Delay(downtime).ConfigureAwait(false);
        }

        await StartAgainAsync(keepState).ConfigureAwait(false);
    }

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _lifecycle.Dispose();
    }

    private WebApplication Build(int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = StopBound);
        builder.Services.AddWebSockets(_ => { });
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Run(HandleAsync);
        return app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (!IsRunning)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        if (Handshakes.Decide(ReadToken(context.Request)) is { } refusal)
        {
            context.Response.StatusCode = refusal;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        ServerConnection connection;
        WebSocketCloseStatus? closeAtOnce = null;
        lock (_lock)
        {
            connection = new ServerConnection(++_lastNumber, context.Request.Path.Value ?? "/", socket, Received);
            _open.Add(connection);
            if (_closeNext > 0)
            {
                _closeNext--;
                closeAtOnce = _closeNextStatus;
            }
        }

        _opened.Increment();
        try
        {
            if (closeAtOnce is { } status)
            {
                await connection.CloseAsync(status, "fault").ConfigureAwait(false);
            }

            await connection.RunAsync(context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _open.Remove(connection);
            }
        }
    }

    private static string? ReadToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return header["Bearer ".Length..];
        }

        return request.Query.TryGetValue("access_token", out var token) ? token.ToString() : null;
    }
}
