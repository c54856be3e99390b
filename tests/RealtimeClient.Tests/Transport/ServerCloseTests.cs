using System.Net.WebSockets;

namespace RealtimeClient.Tests.Transport;

/// <summary>The client's answer to a server's close: polite, and bounded by <see cref="RealtimeOptions.CloseTimeout"/> when the socket cannot take it.</summary>
public sealed class ServerCloseTests
{
    [Fact]
    public async Task The_client_answers_a_server_close_with_its_status_and_reports_it_at_once()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();

        var answer = await server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "restarting").Safe();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, answer.Status);
        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal("server closed with 1001 restarting", reconnecting.Disconnect?.Cause);
    }

    [Fact]
    public async Task A_message_being_written_when_the_server_closes_is_not_aborted_and_the_answer_follows_it()
    {
        // An interop run on a loaded machine: the control asking the server to close was still "being written" (its writer
        // preempted just after the write) when the server's close arrived; the teardown aborted that write, and with it the
        // client's answer waiting behind it, so the server saw the connection drop (1006) instead of its own code back.
        var closeTimeout = TimeSpan.FromSeconds(10);
        await using var h = new Harness(o => o with { CloseTimeout = closeTimeout });
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var send = h.Connection.SendTextAsync("ctl:close 1001 going away").AsTask();
        await server.ClientWriteBlocked.Safe();

        var close = server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "going away");

        // The session's answer waits for the write lock, bounded by the close timeout. Then the teardown must wait for the
        // write too (a second timer of the close timeout), not abort the socket under it.
        await h.Clock.WaitForTimerAsync(d => d == closeTimeout).Safe();
        var tick = TimeSpan.FromTicks(1);
        h.Clock.Advance(tick); // from here a timer with the whole close timeout left is a new one
        var teardownWaits = h.Clock.PendingDueTimes().Count(d => d == closeTimeout - tick) >= 2
            ? Task.CompletedTask
            : h.Clock.WaitForTimerAsync(d => d == closeTimeout);
        var first = await Task.WhenAny(teardownWaits, server.ClientDisconnected).Safe();
        Assert.True(first == teardownWaits, "the teardown aborted the socket under the write, and the answer behind it with it");
        Assert.False(server.IsClientDisconnected);

        server.ReleaseClientWrites();

        await send.Safe();
        Assert.Equal("ctl:close 1001 going away", (await server.ReceiveAsync().Safe()).Text);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, (await close.Safe()).Status);
        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(DisconnectKind.ServerClosed, reconnecting.Disconnect?.Kind);
    }

    [Fact]
    public async Task An_answer_the_socket_cannot_take_is_given_up_after_CloseTimeout_and_the_state_does_not_wait_for_it()
    {
        var closeTimeout = TimeSpan.FromSeconds(3);
        await using var h = new Harness(o => o with { CloseTimeout = closeTimeout, Reconnect = o.Reconnect with { InitialDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero } });
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();

        var close = server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "restarting");

        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(DisconnectKind.ServerClosed, reconnecting.Disconnect?.Kind); // reported before the answer went out
        await server.ClientWriteBlocked.Safe();
        await h.Clock.WaitForTimerAsync(d => d == closeTimeout).Safe();
        Assert.Single(h.Server.Requests); // the next attempt waits for the old socket to be torn down
        h.Clock.Advance(closeTimeout - TimeSpan.FromTicks(1));
        Assert.False(server.IsClientDisconnected);

        h.Clock.Advance(TimeSpan.FromTicks(1));

        await server.ClientDisconnected.Safe();
        Assert.Null((await close.Safe()).Status); // no answer: the socket was aborted
        await h.Server.AcceptAsync().Safe();
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
    }

    [Fact]
    public async Task DisposeAsync_waits_for_its_close_frame_no_longer_than_a_CloseTimeout_shorter_than_one_second()
    {
        var closeTimeout = TimeSpan.FromMilliseconds(250);
        var h = new Harness(o => o with { CloseTimeout = closeTimeout });
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();

        var dispose = h.Connection.DisposeAsync().AsTask();
        await h.Clock.WaitForTimerAsync(d => d == closeTimeout).Safe();
        Assert.False(dispose.IsCompleted);
        h.Clock.Advance(closeTimeout);

        await dispose.Safe();
        await server.ClientDisconnected.Safe();
        await h.DisposeAsync();
    }
}
