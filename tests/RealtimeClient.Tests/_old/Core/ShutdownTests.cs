using System.Net.WebSockets;
using RealtimeClient.Tests.Engine;
using RealtimeClient.Tests.Infrastructure;

namespace RealtimeClient.Tests.Core;

/// <summary>Dispose and stop in awkward moments, sends around them, and restarting a stopped connection.</summary>
public class ShutdownTests
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

        await h.Connection.DisposeAsync().AsTask().Safe();

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
        var start = h.Time.GetUtcNow();
        server.GoSilent();
        var closed = h.NextState(ConnectionState.Closed);

        await h.Connection.DisposeAsync().AsTask().Safe();

        Assert.Equal(start, h.Time.GetUtcNow());
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
        await h.Time.WaitForTimerAsync(d => d == closeTimeout).Safe();
        Assert.False(stop.IsCompleted); // waiting for the server's close answer, which never comes

        h.Time.Advance(closeTimeout);
        await stop.Safe();

        var change = await closed;
        Assert.Equal(ConnectionState.Connected, change.Previous);
        Assert.Equal(CloseReason.Stopped, change.CloseReason);
        await server.ClientDisconnected.Safe();
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Reconnecting);
    }

    [Fact]
    public async Task SendAsync_after_DisposeAsync_throws_ObjectDisposedException()
    {
        var h = new Harness();
        await h.StartAndAcceptAsync();
        await h.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Connection.SendAsync("late").AsTask()).Safe();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Connection.SendAsync(new byte[] { 1, 2 }).AsTask()).Safe();
        Assert.Throws<ObjectDisposedException>(() => h.Connection.Start());
        await h.Connection.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task A_send_while_Closed_fails_with_ConnectionClosed()
    {
        await using var h = new Harness();
        await h.StartAndAcceptAsync();
        await h.Connection.StopAsync().Safe();
        Assert.Equal(ConnectionState.Closed, h.Connection.State);

        var ex = await Assert.ThrowsAsync<MessageDeliveryException>(() => h.Connection.SendAsync("while closed").AsTask()).Safe();
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
        var pending = h.Connection.SendAsync("queued").AsTask();
        Assert.Equal(1, h.Connection.PendingCount);

        await h.Connection.StopAsync().Safe();

        var ex = await Assert.ThrowsAsync<MessageDeliveryException>(() => pending).Safe();
        Assert.Equal(DeliveryFailureReason.ConnectionClosed, ex.Reason);
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
        await h.Connection.SendAsync("again").AsTask().Safe();
        Assert.Equal("again", (await second.ReceiveAsync().Safe()).Text);
    }
}
