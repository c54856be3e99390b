using RealtimeClient.Tests.TestKit;
using System.Diagnostics;
using Xunit.Abstractions;

namespace RealtimeClient.IntegrationTests.Reconnect;

/// <summary>Staying connected over real loopback sockets against an in-process Kestrel server.</summary>
public sealed class StayingConnectedTests(ITestOutputHelper output)
{
    private static RealtimeOptions Options(Uri uri, HeartbeatOptions heartbeat) => new()
    {
        Uri = uri,
        Heartbeat = heartbeat,
        Reconnect = new ReconnectOptions
        {
            InitialDelay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromMilliseconds(500),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        },
        CloseTimeout = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task A_half_open_server_is_detected_by_the_heartbeat_and_reported_once_as_a_heartbeat_timeout()
    {
        var heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(3), Message = "ping" };
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var connection = new RealtimeConnection(Options(server.Uri, heartbeat));
        using var states = new Recorder<StateChange>(connection.StateChanges);
        using var messages = new Recorder<InboundMessage>(connection.Messages);

        await connection.StartAsync().Safe();

        // The heartbeat is answered while the server is healthy: two pongs, and the connection stays up.
        await messages.NextAsync(m => m.Text == "pong");
        await messages.NextAsync(m => m.Text == "pong");
        Assert.Equal(ConnectionState.Connected, connection.State);

        var dead = states.NextAsync(s => s.Current == ConnectionState.Reconnecting);
        server.GoHalfOpen();
        var stopwatch = Stopwatch.StartNew();
        var reconnecting = await dead;
        stopwatch.Stop();
        output.WriteLine($"Half-open detected after {stopwatch.Elapsed.TotalMilliseconds:0} ms (timeout {heartbeat.Timeout.TotalMilliseconds:0} ms).");

        Assert.Equal(DisconnectKind.HeartbeatTimeout, reconnecting.Disconnect?.Kind);
        Assert.Single(states.Values, s => s.Disconnect?.Kind == DisconnectKind.HeartbeatTimeout);
    }

    [Fact]
    public async Task A_server_restart_on_the_same_port_is_reconnected_automatically()
    {
        var heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(3), Message = "ping" };
        var first = await LoopbackWebSocketServer.StartAsync();
        var port = first.Port;
        await using var connection = new RealtimeConnection(Options(first.Uri, heartbeat));
        using var states = new Recorder<StateChange>(connection.StateChanges);
        using var messages = new Recorder<InboundMessage>(connection.Messages);

        await connection.StartAsync().Safe();
        var echoed = messages.NextAsync(m => m.Text == "before restart");
        await connection.SendTextAsync("before restart").AsTask().Safe();
        await echoed;

        var lost = states.NextAsync(s => s.Current == ConnectionState.Reconnecting);
        await first.StopAsync().Safe();
        await first.DisposeAsync();
        await lost;

        // Attempts fail while nothing listens; the client keeps trying with short delays.
        var reconnected = states.NextAsync(s => s.Current == ConnectionState.Connected);
        await using var second = await LoopbackWebSocketServer.StartAsync(port);
        Assert.Equal(port, second.Port);
        await reconnected;

        var afterRestart = messages.NextAsync(m => m.Text == "after restart");
        await connection.SendTextAsync("after restart").AsTask().Safe();
        await afterRestart;
        Assert.Equal(ConnectionState.Connected, connection.State);
        Assert.Equal(1, second.ConnectionCount);
    }
}
