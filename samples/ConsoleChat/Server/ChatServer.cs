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
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConsoleChat.Server;

/// <summary>
/// The sample chat server: Kestrel on 127.0.0.1, one WebSocket endpoint <c>/ws</c> speaking the JSON protocol of
/// docs/protocol.md (auth, message broadcast, heartbeat, ack and per-user de-duplication of client message ids).
/// </summary>
/// <remarks>
/// Start it with <see cref="StartAsync"/>, stop it with <see cref="StopAsync"/> or <see cref="DisposeAsync"/>:
/// stopping closes every connection with 1001, waits for them within <see cref="ChatServerOptions.CloseTimeout"/>
/// and releases the port, so a new server can listen on the same port right after.
/// </remarks>
public sealed class ChatServer : IAsyncDisposable
{
    /// <summary>The path of the WebSocket endpoint.</summary>
    public const string EndpointPath = "/ws";

    private readonly WebApplication _app;
    private readonly ChatRoom _room;
    private readonly ChatServerOptions _options;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _stopGate = new();
    private Task? _stopTask;

    private ChatServer(WebApplication app, ChatRoom room, ChatServerOptions options, ILogger logger)
    {
        _app = app;
        _room = room;
        _options = options;
        _logger = logger;
    }

    /// <summary>The WebSocket URL of the endpoint, <c>ws://127.0.0.1:PORT/ws</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The port the server listens on (the one chosen by the OS when <see cref="ChatServerOptions.Port"/> was 0).</summary>
    public int Port { get; private set; }

    /// <summary>The number of open WebSocket connections, authenticated or not.</summary>
    public int ConnectionCount => _room.ConnectionCount;

    /// <summary>The number of authenticated users online (at most one connection per user).</summary>
    public int OnlineCount => _room.OnlineCount;

    /// <summary>A task that completes once the server has stopped.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>For tests: how many times the message that <paramref name="userId"/> sent with the client id
    /// <paramref name="clientMessageId"/> was broadcast (0 if never; 1 whatever the number of resends).</summary>
    internal int GetBroadcastCount(string userId, string clientMessageId) => _room.GetBroadcastCount(userId, clientMessageId);

    /// <summary>For tests: completes when exactly <paramref name="count"/> connections are open (no polling needed).</summary>
    internal Task WaitForConnectionCountAsync(int count) => _room.WaitForConnectionCountAsync(count);

    /// <summary>Starts a server listening on 127.0.0.1.</summary>
    /// <exception cref="IOException">The port is already in use.</exception>
    public static async Task<ChatServer> StartAsync(ChatServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port);
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.CloseTimeout);
        builder.Services.AddWebSockets(_ => { });
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        if (options.LoggerFactory is not null)
        {
            // Registered as an instance: the host uses it but never disposes it.
            builder.Services.AddSingleton(options.LoggerFactory);
        }

        var app = builder.Build();
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<ChatServer>();
        var room = new ChatRoom(options, logger);
        var server = new ChatServer(app, room, options, logger);

        app.UseWebSockets();
        app.Run(server.HandleRequestAsync);

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            room.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        server.Port = new Uri(addresses.First()).Port;
        server.Url = new Uri($"ws://127.0.0.1:{server.Port}{EndpointPath}");
        ChatServerLog.Listening(logger, server.Url);
        return server;
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (Ctrl+C, say) or the server is stopped, then stops it.</summary>
    public async Task RunUntilCancelledAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes every connection with 1001 (going away), waits for them at most <see cref="ChatServerOptions.CloseTimeout"/>
    /// then aborts the rest, and stops listening. Idempotent. Cancelling only shortens the waits: the port is released anyway.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_stopGate)
        {
            return _stopTask ??= StopCoreAsync(cancellationToken);
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                await _room.CloseAllAsync().WaitAsync(_options.CloseTimeout, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                ChatServerLog.CloseTimedOut(_logger, _options.CloseTimeout);
                _room.AbortAll();
            }

            try
            {
                await _app.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The host gave up waiting for requests; disposing below still releases the port.
            }
        }
        finally
        {
            _room.Dispose();
            await _app.DisposeAsync().ConfigureAwait(false);
            ChatServerLog.Stopped(_logger);
            _stopped.TrySetResult();
        }
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>).</summary>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task HandleRequestAsync(HttpContext context)
    {
        if (!string.Equals(context.Request.Path.Value, EndpointPath, StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (_stopTask is not null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            DangerousEnableCompression = _options.EnableCompression,
        }).ConfigureAwait(false);

        using var connection = new ChatConnection(Guid.NewGuid().ToString("N"), socket, _options, context.RequestAborted);
        if (!_room.TryAdd(connection))
        {
            // Stopping began between the check above and the upgrade.
            await CloseQuietlyAsync(socket).ConfigureAwait(false);
            return;
        }

        try
        {
            await connection.RunAsync(_room).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ChatServerLog.ConnectionFailed(_logger, connection.Id, ex);
            _room.Remove(connection);
        }
    }

    private async Task CloseQuietlyAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(_options.CloseTimeout);
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "server shutting down", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
        }
    }
}
