using System.Net.WebSockets;
using RealtimeClient.Testing;
using RealtimeClient.Transport;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>The application heartbeat, the silence check, the missed pong and the wall-clock check before a send, on virtual time.</summary>
public sealed class HeartbeatTests
{
    private const string Ping = "{\"type\":\"heartbeat\"}";

    private static Harness WithHeartbeat(TimeSpan interval, TimeSpan timeout, Func<RealtimeOptions, RealtimeOptions>? more = null) =>
        new(o => (more ?? (x => x))(o with { Heartbeat = new HeartbeatOptions { Interval = interval, Timeout = timeout, Message = Ping } }));

    [Fact]
    public async Task Silence_for_the_timeout_declares_the_connection_dead_and_reconnects()
    {
        var timeout = TimeSpan.FromSeconds(60);
        await using var h = WithHeartbeat(TimeSpan.FromSeconds(30), timeout);
        var server = await h.StartAndAcceptAsync();
        server.GoSilent();

        h.Clock.Advance(timeout - TimeSpan.FromTicks(1));
        Assert.Equal(ConnectionState.Connected, h.Connection.State);

        h.Clock.Advance(TimeSpan.FromTicks(1));
        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(ConnectionState.Reconnecting, reconnecting.Current);
        Assert.Equal(DisconnectKind.HeartbeatTimeout, reconnecting.Disconnect?.Kind);
        Assert.Equal("heartbeat timeout", reconnecting.Disconnect?.Cause);
        await server.ClientDisconnected.Safe(); // the dead socket was aborted

        await h.AdvanceByRetryDelayAsync(reconnecting);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Equal(2, h.Server.Requests.Count);
        Assert.Empty(h.Errors.Values);
    }

    [Fact]
    public async Task One_dead_connection_is_reported_once_as_a_HeartbeatTimeout_state_change()
    {
        // Issue 10, defect 7: the silence check, the aborted receive and a write failing under the abort all see the same death.
        var timeout = TimeSpan.FromSeconds(20);
        await using var h = WithHeartbeat(TimeSpan.FromSeconds(5), timeout);
        var server = await h.StartAndAcceptAsync();
        server.GoSilent();
        server.BlockClientWrites();
        h.Clock.Advance(TimeSpan.FromSeconds(5)); // the first heartbeat write blocks
        await server.ClientWriteBlocked.Safe();
        var queued = h.Connection.SendTextAsync("behind the blocked write").AsTask();

        h.Clock.Advance(timeout - TimeSpan.FromSeconds(5));

        var next = await h.ReconnectAsync();
        var ended = h.States.Values.Where(s => s.Previous == ConnectionState.Connected).ToList();
        var reconnecting = Assert.Single(ended);
        Assert.Equal(DisconnectKind.HeartbeatTimeout, reconnecting.Disconnect?.Kind);
        Assert.DoesNotContain(h.States.Values, s => s.Disconnect?.Kind is DisconnectKind.ConnectionLost);
        Assert.Empty(h.Errors.Values);

        // The message behind the blocked write was not lost with the socket: it goes out on the next one.
        Assert.Equal("behind the blocked write", (await next.ReceiveAsync().Safe()).Text);
        await queued.Safe();
    }

    [Fact]
    public async Task The_silence_timer_fires_exactly_the_timeout_after_the_last_frame()
    {
        // Heartbeat ticks at 25 s and 50 s; a frame at 10 s: the connection is dead at 40 s, not at the next tick.
        await using var h = WithHeartbeat(TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        var start = h.Clock.GetUtcNow();

        h.Clock.Advance(TimeSpan.FromSeconds(10));
        var arrived = messages.NextAsync(m => m.Text == "{\"type\":\"tick\"}");
        await server.SendTextAsync("{\"type\":\"tick\"}");
        await arrived;
        server.GoSilent();

        h.Clock.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        h.Clock.Advance(TimeSpan.FromTicks(1));
        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(DisconnectKind.HeartbeatTimeout, reconnecting.Disconnect?.Kind);
        Assert.Equal(start + TimeSpan.FromSeconds(40), reconnecting.Timestamp);
        Assert.Equal(TimeSpan.FromSeconds(40), reconnecting.Disconnect?.UpTime);
    }

    [Fact]
    public async Task Frames_arriving_every_10_seconds_keep_the_connection_alive_for_5_minutes()
    {
        var timeout = TimeSpan.FromSeconds(30);
        await using var h = WithHeartbeat(TimeSpan.FromSeconds(15), timeout);
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        for (var i = 1; i <= 30; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(10));
            var text = $"{{\"type\":\"tick\",\"data\":{{\"n\":{i}}}}}";
            var arrived = messages.NextAsync(m => m.Text == text);
            await server.SendTextAsync(text);
            await arrived;
            Assert.Equal(ConnectionState.Connected, h.Connection.State);
        }

        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Reconnecting);
        Assert.Single(h.Server.Requests);

        // And the same connection still dies once the frames stop.
        h.Clock.Advance(timeout);
        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(DisconnectKind.HeartbeatTimeout, reconnecting.Disconnect?.Kind);
    }

    [Fact]
    public async Task The_heartbeat_message_is_sent_every_interval()
    {
        var interval = TimeSpan.FromSeconds(5);
        await using var h = WithHeartbeat(interval, TimeSpan.FromSeconds(60));
        var server = await h.StartAndAcceptAsync();
        var connectedAt = h.Clock.GetUtcNow();

        for (var i = 1; i <= 6; i++)
        {
            await h.Clock.WaitForTimerAsync(t => t == interval).Safe();
            h.Clock.Advance(interval - TimeSpan.FromTicks(1));
            Assert.Equal(i - 1, server.Received.Count);
            h.Clock.Advance(TimeSpan.FromTicks(1));
            var frame = await server.ReceiveAsync().Safe();
            Assert.Equal(Ping, frame.Text);
            Assert.Equal(connectedAt + (interval * i), h.Clock.GetUtcNow());
            Assert.Equal(i, server.Received.Count);
        }

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Fact]
    public async Task Heartbeat_replies_keep_a_quiet_connection_alive()
    {
        var interval = TimeSpan.FromSeconds(30);
        await using var h = WithHeartbeat(interval, TimeSpan.FromSeconds(60));
        h.Server.OnAccepted = c => c.OnMessage = (f, conn) => new ValueTask(conn.SendTextAsync("{\"type\":\"heartbeat\",\"message\":\"pong\"}"));
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        for (var i = 1; i <= 20; i++)
        {
            var pong = messages.NextAsync(m => m.Text!.Contains("pong", StringComparison.Ordinal));
            h.Clock.Advance(interval);
            await pong;
        }

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(20, server.Received.Count);
    }

    [Fact]
    public async Task A_disabled_heartbeat_sends_nothing_and_never_declares_a_quiet_connection_dead()
    {
        await using var h = new Harness(o => o with { Heartbeat = new HeartbeatOptions { Enabled = false, Message = Ping } });
        var server = await h.StartAndAcceptAsync();
        server.GoSilent();

        h.Clock.Advance(TimeSpan.FromHours(2));

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.Empty(server.Received);
        Assert.Empty(h.Clock.PendingDueTimes());
    }

    [Fact]
    public async Task A_send_after_the_timers_stalled_checks_liveness_by_the_wall_clock_and_goes_out_on_a_new_connection()
    {
        // A laptop sleeps: the wall clock jumps while no timer fires. The next send must not trust the dead socket.
        await using var h = WithHeartbeat(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));
        var stale = await h.StartAndAcceptAsync();
        h.Clock.AdjustTime(h.Clock.GetUtcNow() + TimeSpan.FromMinutes(10));
        Assert.Equal(ConnectionState.Connected, h.Connection.State); // no timer noticed

        var send = h.Connection.SendTextAsync("after sleep").AsTask();

        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(DisconnectKind.HeartbeatTimeout, reconnecting.Disconnect?.Kind);
        await stale.ClientDisconnected.Safe();
        await h.AdvanceByRetryDelayAsync(reconnecting);
        var fresh = await h.Server.AcceptAsync().Safe();
        Assert.Equal("after sleep", (await fresh.ReceiveAsync().Safe()).Text);
        await send.Safe();
        Assert.DoesNotContain(stale.Received, f => f.Text == "after sleep");
    }

    [Fact]
    public async Task A_send_within_the_timeout_goes_out_on_the_same_connection()
    {
        // The wall-clock check is no false alarm: a jump shorter than the timeout changes nothing.
        await using var h = WithHeartbeat(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));
        var server = await h.StartAndAcceptAsync();
        h.Clock.AdjustTime(h.Clock.GetUtcNow() + TimeSpan.FromSeconds(59));

        await h.Connection.SendTextAsync("still alive").Safe();

        Assert.Equal("still alive", (await server.ReceiveAsync().Safe()).Text);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Fact]
    public async Task A_missed_pong_aborted_by_the_runtime_is_reported_once_as_a_HeartbeatTimeout()
    {
        // Issue 11, item 8. The in-memory transport cannot produce the runtime's keep-alive abort; the receive fails with the
        // exception shape .NET produces for it (the real-socket check belongs to the integration tests).
        FaultingConnector? connector = null;
        await using var h = new Harness(o => o with { Connector = connector = new FaultingConnector(o.Connector!) });
        await h.StartAndAcceptAsync();

        connector!.Sockets[0].FailReceive(MissedPong());

        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(ConnectionState.Reconnecting, reconnecting.Current);
        Assert.Equal(DisconnectKind.HeartbeatTimeout, reconnecting.Disconnect?.Kind);
        Assert.Equal("heartbeat timeout", reconnecting.Disconnect?.Cause);
        await h.AdvanceByRetryDelayAsync(reconnecting);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Single(h.States.Values, s => s.Disconnect is not null);
        Assert.Empty(h.Errors.Values);
    }

    [Fact]
    public async Task Another_aborted_receive_is_a_lost_connection_not_a_heartbeat_timeout()
    {
        FaultingConnector? connector = null;
        await using var h = new Harness(o => o with { Connector = connector = new FaultingConnector(o.Connector!) });
        await h.StartAndAcceptAsync();

        connector!.Sockets[0].FailReceive(new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The remote party closed the WebSocket connection without completing the close handshake."));

        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(DisconnectKind.ConnectionLost, reconnecting.Disconnect?.Kind);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void The_missed_pong_is_recognised_in_the_shapes_the_runtime_uses(bool wrapped, bool aggregated)
    {
        Exception pong = new WebSocketException(WebSocketError.Faulted, "The WebSocket didn't receive a Pong frame in response to a Ping frame within the configured KeepAliveTimeout.");
        if (aggregated)
        {
            pong = new AggregateException(pong);
        }

        var ex = wrapped ? new OperationCanceledException("Aborted", pong) : pong;
        Assert.True(TransportFailure.IsMissedPong(ex));
    }

    [Fact]
    public void An_abort_without_a_pong_cause_is_not_a_missed_pong()
    {
        Assert.False(TransportFailure.IsMissedPong(new OperationCanceledException("Aborted")));
        Assert.False(TransportFailure.IsMissedPong(new OperationCanceledException("Aborted", new AggregateException(new IOException("reset")))));
        Assert.False(TransportFailure.IsMissedPong(new WebSocketException(WebSocketError.ConnectionClosedPrematurely)));
    }

    private static OperationCanceledException MissedPong() =>
        new("Aborted", new AggregateException(new WebSocketException(WebSocketError.Faulted,
            "The WebSocket didn't receive a Pong frame in response to a Ping frame within the configured KeepAliveTimeout.")));
}
