using System.Net.WebSockets;

namespace RealtimeClient.Tests.Core;

/// <summary>The public state sequence, with its reasons, for the basic lifecycle events.</summary>
public class StateSequenceTests
{
    [Fact]
    public async Task Connect_goes_Disconnected_Connecting_Connected()
    {
        await using var h = new Harness();
        await h.StartAndAcceptAsync();

        var states = h.States.Values;
        Assert.Equal(2, states.Count);
        Assert.Equal((ConnectionState.Disconnected, ConnectionState.Connecting), (states[0].Previous, states[0].Current));
        Assert.Equal(1, states[0].Attempt);
        Assert.Equal((ConnectionState.Connecting, ConnectionState.Connected), (states[1].Previous, states[1].Current));
        Assert.Equal(1, states[1].Attempt);
        Assert.Null(states[1].Disconnect);
        Assert.Null(states[1].CloseReason);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.All(states, s => Assert.Equal(h.Clock.GetUtcNow(), s.Timestamp)); // virtual time did not move
    }

    [Fact]
    public async Task App_stop_sends_close_1000_waits_for_the_answer_and_ends_Closed_Stopped()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        var closed = h.NextState(ConnectionState.Closed);

        await h.Connection.StopAsync().Safe();

        var (status, _) = await server.ClientClosed.Safe();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        var change = await closed;
        Assert.Equal(ConnectionState.Connected, change.Previous);
        Assert.Equal(CloseReason.Stopped, change.CloseReason);
        Assert.Equal(ConnectionState.Closed, h.Connection.State);

        // Nothing after Closed: no reconnect sneaks in.
        Assert.Equal(ConnectionState.Closed, h.States.Values[^1].Current);
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Reconnecting);
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task Server_close_1001_leads_to_Reconnecting_with_the_status_and_description()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        var reconnecting = h.NextState(ConnectionState.Reconnecting);

        var (answer, _) = await server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "going away").Safe();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, answer); // the client answered the close handshake
        var change = await reconnecting;
        Assert.Equal(ConnectionState.Connected, change.Previous);
        Assert.Null(change.CloseReason);
        Assert.NotNull(change.Disconnect);
        Assert.Equal(DisconnectKind.ServerClosed, change.Disconnect.Kind);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, change.Disconnect.CloseStatus);
        Assert.Equal("going away", change.Disconnect.CloseDescription);
        Assert.Equal("server closed with 1001 going away", change.Disconnect.Cause);
        Assert.NotNull(change.RetryDelay);
    }

    [Fact]
    public async Task The_answer_to_a_server_close_reaches_the_server_even_when_its_write_has_to_wait()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();

        var close = server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "going away");
        await server.ClientWriteBlocked.Safe(); // the client's answer waits in the socket
        server.ReleaseClientWrites();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, (await close.Safe()).Status);
        Assert.Equal(DisconnectKind.ServerClosed, (await h.States.FirstAsync(s => s.Current == ConnectionState.Reconnecting)).Disconnect!.Kind);
    }

    [Fact]
    public async Task An_answer_to_a_server_close_that_cannot_be_written_is_given_up_after_the_close_timeout()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites(); // for good

        var close = server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "going away");
        await server.ClientWriteBlocked.Safe();

        // The backoff and the answer's bound run side by side: both timers exist before the clock moves past both.
        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        var delay = reconnecting.RetryDelay!.Value;
        await h.Clock.WaitForTimerAsync(d => d == delay).Safe();
        await h.Clock.WaitForTimerAsync(d => d == h.Options.CloseTimeout).Safe();
        var connected = h.NextState(ConnectionState.Connected);
        h.Clock.Advance(delay > h.Options.CloseTimeout ? delay : h.Options.CloseTimeout);

        Assert.Equal((null, null), await close.Safe()); // aborted: no answer
        await h.Server.AcceptAsync().Safe();
        await connected.Safe();
        Assert.Equal(2, h.Server.Connections.Count);
    }

    [Fact]
    public async Task Server_close_after_a_long_uptime_reconnects_after_the_drop_backoff()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        h.Clock.Advance(h.Options.Reconnect.MinimumUptime); // the connection proved itself
        var reconnecting = h.NextState(ConnectionState.Reconnecting);

        await server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "restart").Safe();

        var change = await reconnecting;
        Assert.Equal(1, change.Attempt);
        Assert.Equal(DisconnectKind.ServerClosed, change.Disconnect!.Kind);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, change.Disconnect.CloseStatus);
        Assert.Equal("restart", change.Disconnect.CloseDescription);
        Assert.Equal(h.Options.Reconnect.MinimumUptime, change.Disconnect.UpTime);
        Assert.InRange(change.RetryDelay!.Value, TimeSpan.Zero, h.Options.Reconnect.InitialDelay);

        var again = await h.ReconnectAsync();
        await h.Connection.SendTextAsync("after").AsTask().Safe();
        Assert.Equal("after", (await again.ReceiveAsync().Safe()).Text);
    }

    [Fact]
    public async Task Server_abort_without_close_frame_leads_to_Reconnecting_with_ConnectionLost_and_the_exception_and_no_error_event()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        var reconnecting = h.NextState(ConnectionState.Reconnecting);

        server.Abort();

        var change = await reconnecting;
        Assert.Equal(ConnectionState.Connected, change.Previous);
        Assert.NotNull(change.Disconnect);
        Assert.Equal(DisconnectKind.ConnectionLost, change.Disconnect.Kind);
        Assert.NotNull(change.Disconnect.Exception);
        Assert.Null(change.Disconnect.CloseStatus);

        // And it comes back; a lost connection is a state change only, never also an error event.
        await h.ReconnectAsync();
        Assert.Equal(2, h.Server.Connections.Count);
        Assert.Empty(h.Errors.Values);
    }

    [Fact]
    public async Task StateChanges_replays_the_latest_change_to_a_new_subscriber_and_nothing_before_the_first()
    {
        // StateChanges carries transitions only (no made-up "Disconnected -> Disconnected"): before the first start there is
        // nothing to replay, and State says Disconnected.
        await using var h = new Harness();
        using (var before = new Recorder<StateChange>(h.Connection.StateChanges))
        {
            Assert.Empty(before.Values);
            Assert.Equal(ConnectionState.Disconnected, h.Connection.State);
        }

        await h.StartAndAcceptAsync();
        using var late = new Recorder<StateChange>(h.Connection.StateChanges);

        var replayed = Assert.Single(late.Values);
        Assert.Equal(ConnectionState.Connecting, replayed.Previous);
        Assert.Equal(ConnectionState.Connected, replayed.Current);

        var closed = late.NextAsync(s => s.Current == ConnectionState.Closed);
        await h.Connection.StopAsync().Safe();
        Assert.Equal(CloseReason.Stopped, (await closed).CloseReason);
    }
}
