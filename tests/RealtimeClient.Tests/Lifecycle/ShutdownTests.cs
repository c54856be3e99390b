using System.Net.WebSockets;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Lifecycle;

/// <summary>Dispose and stop in awkward moments, sends around them, and restarting a stopped connection.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task DisposeAsync_during_a_connect_that_never_completes_completes_and_ends_Closed_Disposed()
    {
        await using var h = new Harness();
        h.Server.EnqueueHandshake(Handshake.Hang);
        var connecting = h.NextState(ConnectionState.Connecting);
        h.Connection.Start();
        await connecting;
        await h.Server.WaitForRequestCountAsync(1).Safe();
        var closed = h.NextState(ConnectionState.Closed);

        await h.Connection.DisposeAsync().Safe();

        var change = await closed;
        Assert.Equal(ConnectionState.Connecting, change.Previous);
        Assert.Equal(CloseReason.Disposed, change.CloseReason);
        Assert.Equal(ConnectionState.Closed, h.Connection.State);
        Assert.True(h.States.Completed);
        Assert.Empty(h.Server.Connections);
    }

    [Fact]
    public async Task DisposeAsync_when_the_server_never_answers_the_close_completes_without_time_moving()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        var start = h.Clock.GetUtcNow();
        server.GoSilent();
        var closed = h.NextState(ConnectionState.Closed);

        await h.Connection.DisposeAsync().Safe();

        Assert.Equal(start, h.Clock.GetUtcNow());
        var change = await closed;
        Assert.Equal(CloseReason.Disposed, change.CloseReason);
        await server.ClientDisconnected.Safe(); // the socket was aborted, not left open
        Assert.True(h.States.Completed);
        Assert.True(h.Errors.Completed);
    }

    [Fact]
    public async Task StopAsync_when_the_server_never_answers_the_close_completes_once_CloseTimeout_passes()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.GoSilent();
        var closeTimeout = h.Options.CloseTimeout;
        var closed = h.NextState(ConnectionState.Closed);

        var stop = h.Connection.StopAsync();
        await h.Clock.WaitForTimerAsync(d => d == closeTimeout).Safe();
        h.Clock.Advance(closeTimeout - TimeSpan.FromTicks(1));
        Assert.False(stop.IsCompleted); // waiting for the server's close answer, which never comes
        Assert.False(server.IsClientDisconnected);

        h.Clock.Advance(TimeSpan.FromTicks(1));
        await stop.Safe();

        var change = await closed;
        Assert.Equal(ConnectionState.Connected, change.Previous);
        Assert.Equal(CloseReason.Stopped, change.CloseReason);
        await server.ClientDisconnected.Safe();
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Reconnecting);
    }

    [Fact]
    public async Task Sends_after_DisposeAsync_throw_ObjectDisposedException_and_Start_too()
    {
        var h = new Harness();
        await h.StartAndAcceptAsync();
        await h.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Connection.SendTextAsync("late").AsTask()).Safe();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Connection.SendBinaryAsync(new byte[] { 1, 2 }).AsTask()).Safe();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Connection.SendAsync("chat", new { text = "late" }).AsTask()).Safe();
        Assert.Throws<ObjectDisposedException>(() => h.Connection.Start());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Connection.StartAsync()).Safe();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Connection.ReconnectAsync()).Safe();
        await h.Connection.DisposeAsync().Safe(); // idempotent
        await h.Connection.StopAsync().Safe(); // and a stop after it is harmless
    }

    [Fact]
    public async Task A_send_while_Closed_fails_at_once_with_ConnectionClosed()
    {
        await using var h = new Harness();
        await h.StartAndAcceptAsync();
        await h.Connection.StopAsync().Safe();
        Assert.Equal(ConnectionState.Closed, h.Connection.State);

        var send = h.Connection.SendTextAsync("while closed").AsTask();

        Assert.True(send.IsCompleted); // at once, not after some wait
        var ex = await Assert.ThrowsAsync<MessageDeliveryException>(() => send);
        Assert.Equal(DeliveryFailureReason.ConnectionClosed, ex.Reason);
        Assert.Equal(0, h.Connection.PendingCount);
    }

    [Fact]
    public async Task Messages_queued_when_the_connection_stops_fail_with_ConnectionClosed()
    {
        await using var h = new Harness();
        h.Server.EnqueueHandshake(Handshake.Hang);
        h.Connection.Start();
        await h.Server.WaitForRequestCountAsync(1).Safe();
        var pending = h.Connection.SendTextAsync("queued").AsTask();
        Assert.Equal(1, h.Connection.PendingCount);

        await h.Connection.StopAsync().Safe();

        var ex = await Assert.ThrowsAsync<MessageDeliveryException>(() => pending.Safe());
        Assert.Equal(DeliveryFailureReason.ConnectionClosed, ex.Reason);
        Assert.Equal(0, h.Connection.PendingCount);
    }

    [Fact]
    public async Task A_stopped_connection_can_be_started_again_and_connects()
    {
        await using var h = new Harness();
        var first = await h.StartAndAcceptAsync();
        await h.Connection.StopAsync().Safe();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await first.ClientClosed.Safe()).Status);
        var connecting = h.NextState(ConnectionState.Connecting);
        var connected = h.NextState(ConnectionState.Connected);

        await h.Connection.StartAsync().Safe();

        var restart = await connecting;
        Assert.Equal(ConnectionState.Closed, restart.Previous);
        Assert.Equal(1, restart.Attempt);
        Assert.Equal(ConnectionState.Connecting, (await connected).Previous);
        var second = await h.Server.AcceptAsync().Safe();
        Assert.NotSame(first, second);
        await h.Connection.SendTextAsync("again").Safe();
        Assert.Equal("again", (await second.ReceiveAsync().Safe()).Text);
    }

    [Fact]
    public async Task A_connection_closed_for_good_by_the_server_can_be_started_again()
    {
        await using var h = new Harness();
        var first = await h.StartAndAcceptAsync();
        await first.CloseAsync(WebSocketCloseStatus.PolicyViolation, "kicked").Safe();
        Assert.Equal(CloseReason.FatalCloseStatus, (await h.States.FirstAsync(s => s.Current == ConnectionState.Closed)).CloseReason);
        var rejected = await Assert.ThrowsAsync<MessageDeliveryException>(() => h.Connection.SendTextAsync("while closed").AsTask().Safe());
        Assert.Equal(DeliveryFailureReason.ConnectionClosed, rejected.Reason);

        var second = await h.StartAndAcceptAsync();

        await h.Connection.SendTextAsync("again").Safe();
        Assert.Equal("again", (await second.ReceiveAsync().Safe()).Text);
    }

    [Fact]
    public async Task Start_during_a_stop_is_refused_until_the_stop_has_finished()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.GoSilent();
        var stop = h.Connection.StopAsync();
        await h.Clock.WaitForTimerAsync(d => d == h.Options.CloseTimeout).Safe();

        var ex = Assert.Throws<InvalidOperationException>(() => h.Connection.Start());
        Assert.Contains("StopAsync", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => h.Connection.StartAsync()).Safe();

        h.Clock.Advance(h.Options.CloseTimeout);
        await stop.Safe();
        await h.StartAndAcceptAsync();
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Fact]
    public async Task Concurrent_stops_share_one_close_and_all_complete()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();

        var stops = Enumerable.Range(0, 5).Select(_ => h.Connection.StopAsync()).ToArray();
        await Task.WhenAll(stops).Safe();

        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await server.ClientClosed.Safe()).Status);
        Assert.Single(h.States.Values, s => s.Current == ConnectionState.Closed);
    }

    [Fact]
    public async Task StopAsync_on_a_connection_never_started_does_nothing()
    {
        await using var h = new Harness();

        await h.Connection.StopAsync().Safe();

        Assert.Equal(ConnectionState.Disconnected, h.Connection.State);
        Assert.Empty(h.States.Values);
        await h.StartAndAcceptAsync(); // and it can still start
    }

    [Fact]
    public async Task Cancelling_StartAsync_stops_the_connection_and_throws()
    {
        await using var h = new Harness();
        h.Server.DefaultHandshake = Handshake.Fail();
        using var cts = new CancellationTokenSource();

        var start = h.Connection.StartAsync(cts.Token);
        await h.States.FirstAsync(s => s.Current == ConnectionState.Reconnecting);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start.Safe());
        var closed = await h.States.FirstAsync(s => s.Current == ConnectionState.Closed);
        Assert.Equal(CloseReason.Stopped, closed.CloseReason);
        Assert.Equal(ConnectionState.Reconnecting, closed.Previous);
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
    }
}
