using RealtimeClient.Tests.Engine;
using static RealtimeClient.Tests.Reconnect.ReconnectTestKit;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>The application heartbeat and the silence timer, on virtual time.</summary>
public sealed class HeartbeatTests
{
    private const string Ping = "{\"type\":\"heartbeat\"}";

    [Fact]
    public async Task Silence_for_the_timeout_declares_the_connection_dead_and_reconnects()
    {
        var heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(60), Message = Ping };
        await using var h = new Harness(o => Options(o, heartbeat: heartbeat));
        using var log = new StateLog(h.Connection.StateChanges);
        var server = await h.StartAndAcceptAsync();
        server.GoSilent();

        h.Time.Advance(heartbeat.Timeout - TimeSpan.FromTicks(1));
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.DoesNotContain(h.Errors.Values, e => e.Kind == ErrorKind.HeartbeatTimeout);

        h.Time.Advance(TimeSpan.FromTicks(1));
        var reconnecting = await log.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(ConnectionState.Reconnecting, reconnecting.Current);
        Assert.Equal(DisconnectKind.HeartbeatTimeout, reconnecting.Disconnect?.Kind);
        await h.Errors.FirstAsync(e => e.Kind == ErrorKind.HeartbeatTimeout);
        await server.ClientDisconnected.WaitAsync(Harness.Safety);

        await AdvanceByRetryDelayAsync(h.Time, reconnecting);
        await log.SkipToAsync(ConnectionState.Connected);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task The_silence_timer_fires_exactly_the_timeout_after_the_last_frame()
    {
        // Heartbeat ticks at 25 s and 50 s; a frame at 10 s: the connection is dead at 40 s, not at the next tick.
        var heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(25), Timeout = TimeSpan.FromSeconds(30), Message = Ping };
        await using var h = new Harness(o => Options(o, heartbeat: heartbeat));
        using var log = new StateLog(h.Connection.StateChanges);
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        var start = h.Time.GetUtcNow();

        h.Time.Advance(TimeSpan.FromSeconds(10));
        var arrived = messages.NextAsync(m => m.Text == "{\"type\":\"tick\"}");
        await server.SendTextAsync("{\"type\":\"tick\"}");
        await arrived;
        server.GoSilent();

        h.Time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        h.Time.Advance(TimeSpan.FromTicks(1));
        var reconnecting = await log.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(DisconnectKind.HeartbeatTimeout, reconnecting.Disconnect?.Kind);
        Assert.Equal(start + TimeSpan.FromSeconds(40), reconnecting.Timestamp);
    }

    [Fact]
    public async Task Frames_arriving_every_10_seconds_keep_the_connection_alive_for_5_minutes()
    {
        var heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(15), Timeout = TimeSpan.FromSeconds(30), Message = Ping };
        await using var h = new Harness(o => Options(o, heartbeat: heartbeat));
        using var log = new StateLog(h.Connection.StateChanges);
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        for (var i = 1; i <= 30; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(10));
            var text = $"{{\"type\":\"tick\",\"data\":{{\"n\":{i}}}}}";
            var arrived = messages.NextAsync(m => m.Text == text);
            await server.SendTextAsync(text);
            await arrived;
            Assert.Equal(ConnectionState.Connected, h.Connection.State);
        }

        Assert.DoesNotContain(log.All, s => s.Current == ConnectionState.Reconnecting);
        Assert.DoesNotContain(h.Errors.Values, e => e.Kind == ErrorKind.HeartbeatTimeout);
        Assert.Single(h.Server.Requests);

        // And the same connection still dies once the frames stop.
        h.Time.Advance(heartbeat.Timeout);
        var reconnecting = await log.SkipToAsync(ConnectionState.Reconnecting);
        Assert.Equal(DisconnectKind.HeartbeatTimeout, reconnecting.Disconnect?.Kind);
    }

    [Fact]
    public async Task The_heartbeat_message_is_sent_every_interval()
    {
        var interval = TimeSpan.FromSeconds(5);
        var heartbeat = new HeartbeatOptions { Interval = interval, Timeout = TimeSpan.FromSeconds(60), Message = Ping };
        await using var h = new Harness(o => Options(o, heartbeat: heartbeat));
        var server = await h.StartAndAcceptAsync();
        var connectedAt = h.Time.GetUtcNow();

        for (var i = 1; i <= 6; i++)
        {
            await h.Time.WaitForTimerAsync(t => t == interval).WaitAsync(Harness.Safety);
            h.Time.Advance(interval - TimeSpan.FromTicks(1));
            Assert.Equal(i - 1, server.Received.Count);
            h.Time.Advance(TimeSpan.FromTicks(1));
            var frame = await server.ReceiveAsync().WaitAsync(Harness.Safety);
            Assert.Equal(Ping, frame.Text);
            Assert.Equal(connectedAt + (interval * i), h.Time.GetUtcNow());
            Assert.Equal(i, server.Received.Count);
        }

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Fact]
    public async Task Heartbeat_replies_keep_a_quiet_connection_alive()
    {
        var heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(60), Message = Ping };
        await using var h = new Harness(o => Options(o, heartbeat: heartbeat));
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.OnAccepted = c => c.OnMessage = (f, conn) => new ValueTask(conn.SendTextAsync("{\"type\":\"heartbeat\",\"message\":\"pong\"}"));
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        for (var i = 1; i <= 20; i++)
        {
            var pong = messages.NextAsync(m => m.Text!.Contains("pong", StringComparison.Ordinal));
            h.Time.Advance(heartbeat.Interval);
            await pong;
        }

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.DoesNotContain(log.All, s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(20, server.Received.Count);
    }
}
