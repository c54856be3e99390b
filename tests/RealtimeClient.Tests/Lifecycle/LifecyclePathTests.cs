using System.Net;
using System.Net.WebSockets;
using RealtimeClient.Testing;
using RealtimeClient.Tests.Delivery;

namespace RealtimeClient.Tests.Lifecycle;

/// <summary>
/// The whole public state sequence of every lifecycle path, with attempts, causes and close reasons: exactly these
/// transitions, in this order, and nothing after Closed.
/// </summary>
public sealed class LifecyclePathTests
{
    private static readonly TimeSpan StayedUp = TimeSpan.FromSeconds(30);

    /// <summary>"Previous->Current#attempt:cause(reason)", the parts a transition carries.</summary>
    private static string[] Sequence(Harness h) => [.. h.States.Values.Select(s =>
        $"{s.Previous}->{s.Current}"
        + (s.Current is ConnectionState.Connecting or ConnectionState.Reconnecting or ConnectionState.Connected ? $"#{s.Attempt}" : string.Empty)
        + (s.Disconnect is { } d ? $":{d.Kind}" : string.Empty)
        + (s.CloseReason is { } r ? $"({r})" : string.Empty))];

    private static void AssertTimestampsInOrder(Harness h)
    {
        var values = h.States.Values;
        for (var i = 1; i < values.Count; i++)
        {
            Assert.True(values[i].Timestamp >= values[i - 1].Timestamp, $"{values[i]} is stamped before {values[i - 1]}");
        }
    }

    [Fact]
    public async Task Start_connect_stop()
    {
        await using var h = new Harness();
        await h.StartAndAcceptAsync();
        await h.Connection.StopAsync().Safe();

        Assert.Equal(["Disconnected->Connecting#1", "Connecting->Connected#1", "Connected->Closed:ClosedByClient(Stopped)"], Sequence(h));
        Assert.Null(h.States.Values[1].Disconnect);
        AssertTimestampsInOrder(h);
    }

    [Fact]
    public async Task Two_failed_attempts_then_a_connection()
    {
        await using var h = new Harness();
        h.Server.EnqueueHandshake(Handshake.Fail(), Handshake.Refuse(HttpStatusCode.BadGateway));
        h.Connection.Start();
        await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));
        await h.ReconnectAsync();

        Assert.Equal(
            ["Disconnected->Connecting#1", "Connecting->Reconnecting#2:ConnectFailed", "Reconnecting->Reconnecting#3:HandshakeRejected", "Reconnecting->Connected#3"],
            Sequence(h));
        Assert.All(h.States.Values.Where(s => s.Current == ConnectionState.Reconnecting), s => Assert.NotNull(s.RetryDelay));
        AssertTimestampsInOrder(h);
    }

    [Fact]
    public async Task A_drop_after_the_connection_stayed_up_then_a_reconnect()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        h.Clock.Advance(StayedUp);
        server.Abort();
        await h.ReconnectAsync();

        Assert.Equal(["Disconnected->Connecting#1", "Connecting->Connected#1", "Connected->Reconnecting#1:ConnectionLost", "Reconnecting->Connected#1"], Sequence(h));
        Assert.Equal(StayedUp, h.States.Values[2].Disconnect?.UpTime);
        AssertTimestampsInOrder(h);
    }

    [Fact]
    public async Task A_drop_after_the_connection_stayed_up_then_a_reconnect_with_no_delay()
    {
        // The default backoff draws the first delay after a connection that stayed up from [0, InitialDelay]: 0 ms is one
        // of its outcomes, and then the engine reconnects without the clock moving, before the test may look.
        await using var h = new Harness(o => o with { Reconnect = o.Reconnect with { Policy = DeliveryKit.FixedDelay(TimeSpan.Zero) } });
        var server = await h.StartAndAcceptAsync();
        h.Clock.Advance(StayedUp);
        server.Abort();
        await h.States.FirstAsync(s => s is { Previous: ConnectionState.Reconnecting, Current: ConnectionState.Connected });
        await h.ReconnectAsync();

        Assert.Equal(["Disconnected->Connecting#1", "Connecting->Connected#1", "Connected->Reconnecting#1:ConnectionLost", "Reconnecting->Connected#1"], Sequence(h));
        Assert.Equal(TimeSpan.Zero, h.States.Values[2].RetryDelay);
        Assert.Equal(StayedUp, h.States.Values[2].Disconnect?.UpTime);
    }

    [Fact]
    public async Task A_fatal_close_by_the_server()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        await server.CloseAsync(WebSocketCloseStatus.PolicyViolation, "no").Safe();
        await h.States.FirstAsync(s => s.Current == ConnectionState.Closed);

        Assert.Equal(["Disconnected->Connecting#1", "Connecting->Connected#1", "Connected->Closed:ServerClosed(FatalCloseStatus)"], Sequence(h));
    }

    [Fact]
    public async Task A_refusal_for_good_on_the_first_attempt()
    {
        await using var h = new Harness();
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.Forbidden));
        h.Connection.Start();
        await h.States.FirstAsync(s => s.Current == ConnectionState.Closed);

        Assert.Equal(["Disconnected->Connecting#1", "Connecting->Closed:HandshakeRejected(AuthenticationFailed)"], Sequence(h));
    }

    [Fact]
    public async Task Attempts_exhausted()
    {
        await using var h = new Harness(o => o with { Reconnect = o.Reconnect with { MaxAttempts = 2 } });
        h.Server.DefaultHandshake = Handshake.Fail();
        h.Connection.Start();
        await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));
        await h.States.FirstAsync(s => s.Current == ConnectionState.Closed);

        Assert.Equal(
            ["Disconnected->Connecting#1", "Connecting->Reconnecting#2:ConnectFailed", "Reconnecting->Closed:ConnectFailed(AttemptsExhausted)"],
            Sequence(h));
    }

    [Fact]
    public async Task A_stop_while_connecting()
    {
        await using var h = new Harness();
        h.Server.EnqueueHandshake(Handshake.Hang);
        h.Connection.Start();
        await h.Server.WaitForRequestCountAsync(1).Safe();
        await h.Connection.StopAsync().Safe();

        Assert.Equal(["Disconnected->Connecting#1", "Connecting->Closed(Stopped)"], Sequence(h));
    }

    [Fact]
    public async Task A_stop_during_a_backoff_wait_cancels_the_wait()
    {
        await using var h = new Harness();
        h.Server.EnqueueHandshake(Handshake.Fail());
        h.Connection.Start();
        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        await h.Clock.WaitForTimerAsync(d => d == reconnecting.RetryDelay).Safe();

        await h.Connection.StopAsync().Safe();

        Assert.Equal(["Disconnected->Connecting#1", "Connecting->Reconnecting#2:ConnectFailed", "Reconnecting->Closed:ConnectFailed(Stopped)"], Sequence(h));
        Assert.Empty(h.Clock.PendingDueTimes());
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task A_dispose_while_connected()
    {
        var h = new Harness();
        await h.StartAndAcceptAsync();
        await h.Connection.DisposeAsync().Safe();

        Assert.Equal(["Disconnected->Connecting#1", "Connecting->Connected#1", "Connected->Closed:ClosedByClient(Disposed)"], Sequence(h));
        await h.DisposeAsync();
    }

    [Fact]
    public async Task A_dispose_of_a_connection_never_started()
    {
        var h = new Harness();
        await h.Connection.DisposeAsync().Safe();

        Assert.Equal(["Disconnected->Closed(Disposed)"], Sequence(h));
        await h.DisposeAsync();
    }

    [Fact]
    public async Task A_restart_after_a_stop_counts_attempts_from_one_again()
    {
        await using var h = new Harness();
        await h.StartAndAcceptAsync();
        await h.Connection.StopAsync().Safe();
        await h.StartAndAcceptAsync();

        Assert.Equal(
            ["Disconnected->Connecting#1", "Connecting->Connected#1", "Connected->Closed:ClosedByClient(Stopped)", "Closed->Connecting#1", "Connecting->Connected#1"],
            Sequence(h));
    }

    [Fact]
    public async Task ReconnectAsync_on_a_live_connection()
    {
        await using var h = new Harness();
        await h.StartAndAcceptAsync();
        await h.Connection.ReconnectAsync().Safe();

        Assert.Equal(["Disconnected->Connecting#1", "Connecting->Connected#1", "Connected->Reconnecting#1:ReconnectRequested", "Reconnecting->Connected#1"], Sequence(h));
        Assert.Equal(TimeSpan.Zero, h.States.Values[2].RetryDelay);
    }

    [Fact]
    public async Task ReconnectAsync_during_a_backoff_wait()
    {
        await using var h = new Harness();
        h.Server.EnqueueHandshake(Handshake.Fail());
        h.Connection.Start();
        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        await h.Clock.WaitForTimerAsync(d => d == reconnecting.RetryDelay).Safe();
        await h.Connection.ReconnectAsync().Safe();

        Assert.Equal(
            ["Disconnected->Connecting#1", "Connecting->Reconnecting#2:ConnectFailed", "Reconnecting->Reconnecting#2:ConnectFailed", "Reconnecting->Connected#2"],
            Sequence(h));
        Assert.Equal(TimeSpan.Zero, h.States.Values[2].RetryDelay);
    }

    [Fact]
    public async Task A_cancelled_StartAsync()
    {
        await using var h = new Harness();
        h.Server.DefaultHandshake = Handshake.Fail();
        using var cts = new CancellationTokenSource();
        var start = h.Connection.StartAsync(cts.Token);
        await h.States.FirstAsync(s => s.Current == ConnectionState.Reconnecting);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start.Safe());
        await h.States.FirstAsync(s => s.Current == ConnectionState.Closed);

        Assert.Equal(["Disconnected->Connecting#1", "Connecting->Reconnecting#2:ConnectFailed", "Reconnecting->Closed:ConnectFailed(Stopped)"], Sequence(h));
    }

    [Fact]
    public async Task A_late_subscriber_first_receives_the_latest_change()
    {
        await using var h = new Harness();
        await h.StartAndAcceptAsync();

        using var late = new Recorder<StateChange>(h.Connection.StateChanges);

        var first = await late.FirstAsync(_ => true);
        Assert.Equal((ConnectionState.Connecting, ConnectionState.Connected), (first.Previous, first.Current));
        Assert.Single(late.Values);
    }
}
