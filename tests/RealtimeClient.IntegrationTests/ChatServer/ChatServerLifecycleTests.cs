using System.Net.WebSockets;
using ConsoleChat.Server;
using Microsoft.Extensions.Logging;
using SampleChatServer = ConsoleChat.Server.ChatServer;

namespace RealtimeClient.IntegrationTests.ChatServer;

/// <summary>Starting, stopping, restarting on the same port, and the limits that close connections.</summary>
public sealed class ChatServerLifecycleTests
{
    [Fact]
    public async Task Stop_ClosesConnectionsWith1001_AndTheSamePortCanBeReusedAtOnce()
    {
        int port;
        var first = await SampleChatServer.StartAsync(new ChatServerOptions(), CancellationToken.None);
        await using (first)
        {
            port = first.Port;
            await using var authenticated = await ChatTestClient.ConnectAndAuthenticateAsync(first.Url, "alice");
            await using var anonymous = await ChatTestClient.ConnectAsync(first.Url);

            var closedAuthenticated = authenticated.ExpectCloseAsync();
            var closedAnonymous = anonymous.ExpectCloseAsync();
            await first.StopAsync(CancellationToken.None).WaitAsync(ChatTestClient.Timeout);

            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await closedAuthenticated);
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await closedAnonymous);
            Assert.Equal(0, first.ConnectionCount);
            Assert.True(first.Stopped.IsCompleted);
        }

        await using var second = await SampleChatServer.StartAsync(new ChatServerOptions { Port = port }, CancellationToken.None);
        Assert.Equal(port, second.Port);
        await using var client = await ChatTestClient.ConnectAndAuthenticateAsync(second.Url, "alice");
        await client.SendMessageAsync("back again", id: "x");
        await client.ExpectAsync("message");
        await client.ExpectAsync("ack");
    }

    [Fact]
    public async Task Stop_WithAClientThatNeverAnswersTheClose_FinishesWithinTheCloseTimeout()
    {
        var server = await SampleChatServer.StartAsync(new ChatServerOptions { CloseTimeout = TimeSpan.FromMilliseconds(300) }, CancellationToken.None);
        // This client never reads, so it never answers the server's close frame.
        using var silent = await ChatTestClient.OpenAsync(server.Url);
        await server.WaitForConnectionCountAsync(1).WaitAsync(ChatTestClient.Timeout);

        await server.StopAsync(CancellationToken.None).WaitAsync(ChatTestClient.Timeout);

        Assert.Equal(0, server.ConnectionCount);
        await using var again = await SampleChatServer.StartAsync(new ChatServerOptions { Port = server.Port }, CancellationToken.None);
    }

    [Fact]
    public async Task Stop_IsIdempotent_AndDisposeAfterStopIsHarmless()
    {
        var server = await SampleChatServer.StartAsync(new ChatServerOptions(), CancellationToken.None);
        var stop1 = server.StopAsync(CancellationToken.None);
        var stop2 = server.StopAsync(CancellationToken.None);
        await Task.WhenAll(stop1, stop2).WaitAsync(ChatTestClient.Timeout);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task RunUntilCancelled_StopsTheServerWhenCancelled()
    {
        var server = await SampleChatServer.StartAsync(new ChatServerOptions(), CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var running = server.RunUntilCancelledAsync(cts.Token);
        await using var client = await ChatTestClient.ConnectAsync(server.Url);
        Assert.False(running.IsCompleted);

        var closed = client.ExpectCloseAsync();
        await cts.CancelAsync();
        await running.WaitAsync(ChatTestClient.Timeout);

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await closed);
    }

    [Fact]
    public async Task StartingOnAPortInUse_Throws()
    {
        await using var server = await SampleChatServer.StartAsync(new ChatServerOptions(), CancellationToken.None);
        await Assert.ThrowsAsync<IOException>(() => SampleChatServer.StartAsync(new ChatServerOptions { Port = server.Port }, CancellationToken.None));
    }

    [Fact]
    public async Task SilentConnection_IsClosedAfterThreeHeartbeatTimeouts()
    {
        await using var server = await SampleChatServer.StartAsync(
            new ChatServerOptions { HeartbeatTimeout = TimeSpan.FromMilliseconds(100) }, CancellationToken.None);
        await using var client = await ChatTestClient.ConnectAndAuthenticateAsync(server.Url, "alice");

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await client.ExpectCloseAsync());
    }

    [Fact]
    public async Task MessageOverTheLimit_ClosesWith1009()
    {
        await using var server = await SampleChatServer.StartAsync(new ChatServerOptions { MaxMessageBytes = 1024 }, CancellationToken.None);
        await using var client = await ChatTestClient.ConnectAndAuthenticateAsync(server.Url, "alice");

        await client.SendMessageAsync(new string('x', 2048));

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.ExpectCloseAsync());
    }

    [Fact]
    public async Task DedupWindow_ForgetsIdsAfterTheWindow()
    {
        var time = new ManualTimeProvider();
        await using var server = await SampleChatServer.StartAsync(
            new ChatServerOptions { TimeProvider = time, DedupWindow = TimeSpan.FromMinutes(10), HeartbeatTimeout = Timeout.InfiniteTimeSpan },
            CancellationToken.None);
        await using var client = await ChatTestClient.ConnectAndAuthenticateAsync(server.Url, "alice");

        await client.SendMessageAsync("first", id: "w-1");
        await client.ExpectAsync("message");
        await client.ExpectAsync("ack");

        time.Advance(TimeSpan.FromMinutes(9));
        await client.SendMessageAsync("first", id: "w-1");
        await client.ExpectAsync("ack");

        time.Advance(TimeSpan.FromMinutes(2));
        await client.SendMessageAsync("first", id: "w-1");
        await client.ExpectAsync("message");
        await client.ExpectAsync("ack");
        Assert.Equal(2, server.GetBroadcastCount("alice", "w-1"));
    }

    [Fact]
    public async Task DedupWindow_KeepsAtMostTheConfiguredNumberOfIdsPerUser()
    {
        await using var server = await SampleChatServer.StartAsync(new ChatServerOptions { DedupMaxIdsPerUser = 2 }, CancellationToken.None);
        await using var client = await ChatTestClient.ConnectAndAuthenticateAsync(server.Url, "alice");
        foreach (var id in new[] { "a", "b", "c" })
        {
            await client.SendMessageAsync(id, id);
            await client.ExpectAsync("message");
            await client.ExpectAsync("ack");
        }

        // "a" was forgotten to make room for "c"; "c" is still remembered.
        await client.SendMessageAsync("a", "a");
        await client.ExpectAsync("message");
        await client.ExpectAsync("ack");
        await client.SendMessageAsync("c", "c");
        Assert.Equal("c", (await client.ExpectAsync("ack")).GetProperty("id").GetString());
    }

    [Fact]
    public async Task AClientThatStopsReading_IsDropped_WithoutHoldingUpTheOthers()
    {
        await using var server = await SampleChatServer.StartAsync(new ChatServerOptions { SendQueueCapacity = 4 }, CancellationToken.None);
        await using var reader = await ChatTestClient.ConnectAndAuthenticateAsync(server.Url, "reader");
        // This one never reads again: its socket buffers fill, then its send queue, then the server drops it.
        await using var stalled = await ChatTestClient.ConnectAndAuthenticateAsync(server.Url, "stalled");
        await reader.ExpectAsync("user_online");
        var dropped = server.WaitForConnectionCountAsync(1);

        string text = new('x', 256 * 1024);
        int sent = 0;
        bool sawOffline = false;
        while (!dropped.IsCompleted)
        {
            Assert.True(sent < 1000, "the stalled client was never dropped");
            await reader.SendMessageAsync(text, id: $"big-{sent++}");
            var types = new List<string>();
            while (types.Count == 0 || types[^1] != "ack")
            {
                types.Add((await reader.ReceiveAsync()).GetProperty("type").GetString()!);
            }

            // The reader gets every broadcast (and, once, the stalled user going offline).
            sawOffline |= types.Remove("user_offline");
            Assert.Equal(["message", "ack"], types);
        }

        await dropped.WaitAsync(ChatTestClient.Timeout);
        if (!sawOffline)
        {
            Assert.Equal("stalled", (await reader.ExpectAsync("user_offline")).GetProperty("data").GetProperty("user").GetProperty("id").GetString());
        }

        Assert.Equal(1, server.OnlineCount);
        await reader.SendMessageAsync("still flowing");
        Assert.Equal("still flowing", (await reader.ExpectAsync("message")).GetProperty("data").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Logs_GoToTheGivenLoggerFactory_AndNeverContainTokens()
    {
        var sink = new ListLoggerProvider();
        using (var factory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(sink)))
        {
            await using var server = await SampleChatServer.StartAsync(new ChatServerOptions { LoggerFactory = factory }, CancellationToken.None);
            await using var alice = await ChatTestClient.ConnectAndAuthenticateAsync(server.Url, "secret-token-123");
            await using var eve = await ChatTestClient.ConnectAsync(server.Url);
            await eve.SendAuthAsync("invalid-secret-456");
            await eve.ExpectAsync("auth_failed");
            await eve.ExpectCloseAsync();
            var aliceClosed = alice.ExpectCloseAsync();
            await server.StopAsync(CancellationToken.None).WaitAsync(ChatTestClient.Timeout);
            await aliceClosed;
        }

        var lines = sink.Lines;
        Assert.Contains(lines, line => line.Contains("listening", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, line => line.Contains("secret", StringComparison.Ordinal));
    }

    private sealed class ListLoggerProvider : ILoggerProvider, ILogger
    {
        private readonly List<string> _lines = [];

        public string[] Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception) + " " + exception);
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>A clock that moves only when told to (timers are not needed by these tests).</summary>
    private sealed class ManualTimeProvider : TimeProvider
    {
        private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
