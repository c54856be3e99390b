using RealtimeClient.Tests.Engine;
using RealtimeClient.Tests.Infrastructure;
using static RealtimeClient.Tests.Reconnect.ReconnectTestKit;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>The documented backoff, read from the Reconnecting states and checked against the virtual clock.</summary>
public sealed class BackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    private static Harness NewHarness(ReconnectOptions? reconnect = null) =>
        new(o => Options(o, reconnect ?? new ReconnectOptions { InitialDelay = Initial, MaxDelay = Max, MinimumUptime = TimeSpan.FromSeconds(10) }));

    [Fact]
    public async Task Ten_failed_attempts_wait_within_their_jitter_bounds_and_exactly_the_announced_delay()
    {
        await using var h = NewHarness();
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.DefaultHandshake = Handshake.Fail();
        h.Connection.Start();

        for (var failed = 1; failed <= 10; failed++)
        {
            var reconnecting = await log.SkipToAsync(ConnectionState.Reconnecting);
            Assert.Equal(failed + 1, reconnecting.Attempt);
            Assert.Equal(DisconnectKind.ConnectFailed, reconnecting.Disconnect?.Kind);
            var ceiling = Ceiling(Initial, Max, failed);
            var delay = reconnecting.RetryDelay ?? throw new InvalidOperationException("no delay");
            AssertWithin(delay, ceiling / 2, ceiling, $"delay after {failed} failed attempts");

            // The backoff timer is due in exactly the announced delay; one tick short of it, nothing happens.
            await h.Time.WaitForTimerAsync(t => t == delay).WaitAsync(Harness.Safety);
            Assert.Equal(failed, h.Server.Requests.Count);
            h.Time.Advance(delay - TimeSpan.FromTicks(1));
            Assert.Equal(failed, h.Server.Requests.Count);
            h.Time.Advance(TimeSpan.FromTicks(1));
            await h.Server.WaitForRequestCountAsync(failed + 1).WaitAsync(Harness.Safety);
        }

        Assert.Equal(ConnectionState.Reconnecting, (await log.SkipToAsync(ConnectionState.Reconnecting)).Current);
    }

    [Fact]
    public async Task A_connection_that_stayed_up_for_the_minimum_uptime_resets_the_backoff()
    {
        await using var h = NewHarness();
        using var log = new StateLog(h.Connection.StateChanges);
        // Three failures grow the backoff: a fourth failure would wait within [4 s, 8 s].
        h.Server.EnqueueHandshake(Handshake.Fail(), Handshake.Fail(), Handshake.Fail());
        h.Connection.Start();
        for (var failed = 1; failed <= 3; failed++)
        {
            await AdvanceByRetryDelayAsync(h.Time, await log.SkipToAsync(ConnectionState.Reconnecting));
        }

        var connected = await log.SkipToAsync(ConnectionState.Connected);
        Assert.Equal(4, connected.Attempt);
        var server = await h.Server.AcceptAsync().WaitAsync(Harness.Safety);

        h.Time.Advance(TimeSpan.FromSeconds(10));
        server.Abort();

        var reconnecting = await log.SkipToAsync(ConnectionState.Reconnecting);
        Assert.Equal(1, reconnecting.Attempt);
        Assert.Equal(DisconnectKind.ConnectionLost, reconnecting.Disconnect?.Kind);
        Assert.True(reconnecting.Disconnect!.UpTime >= TimeSpan.FromSeconds(10));
        AssertWithin(reconnecting.RetryDelay!.Value, TimeSpan.Zero, Initial, "first delay after a connection that stayed up");

        await AdvanceByRetryDelayAsync(h.Time, reconnecting);
        Assert.Equal(1, (await log.SkipToAsync(ConnectionState.Connected)).Attempt);

        // The run started again: a failure after this new connection drops quickly backs off from the start.
        var server2 = await h.Server.AcceptAsync().WaitAsync(Harness.Safety);
        server2.Abort();
        var again = await log.SkipToAsync(ConnectionState.Reconnecting);
        Assert.Equal(2, again.Attempt);
        AssertWithin(again.RetryDelay!.Value, Initial / 2, Initial, "delay after the reset run's first failure");
    }

    [Fact]
    public async Task A_flapping_connection_keeps_backing_off()
    {
        await using var h = NewHarness();
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.EnqueueHandshake(Handshake.Fail(), Handshake.Fail(), Handshake.Fail());
        h.Connection.Start();
        for (var failed = 1; failed <= 3; failed++)
        {
            await AdvanceByRetryDelayAsync(h.Time, await log.SkipToAsync(ConnectionState.Reconnecting));
        }

        // Each connection stays up for less than the minimum uptime: it counts as one more failed attempt.
        for (var failed = 4; failed <= 6; failed++)
        {
            var connected = await log.SkipToAsync(ConnectionState.Connected);
            Assert.Equal(failed, connected.Attempt);
            var server = await h.Server.AcceptAsync().WaitAsync(Harness.Safety);
            h.Time.Advance(TimeSpan.FromSeconds(9));
            server.Abort();

            var reconnecting = await log.SkipToAsync(ConnectionState.Reconnecting);
            Assert.Equal(failed + 1, reconnecting.Attempt);
            Assert.Equal(DisconnectKind.ConnectionLost, reconnecting.Disconnect?.Kind);
            var ceiling = Ceiling(Initial, Max, failed);
            AssertWithin(reconnecting.RetryDelay!.Value, ceiling / 2, ceiling, $"delay after a flapping connection ({failed} failures)");
            await AdvanceByRetryDelayAsync(h.Time, reconnecting);
        }
    }

    [Fact]
    public async Task MaxAttempts_closes_with_AttemptsExhausted_and_stops_trying()
    {
        await using var h = NewHarness(new ReconnectOptions { InitialDelay = Initial, MaxDelay = Max, MaxAttempts = 3 });
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.DefaultHandshake = Handshake.Fail();
        h.Connection.Start();

        var first = await log.SkipToAsync(ConnectionState.Reconnecting);
        Assert.Equal(2, first.Attempt);
        await AdvanceByRetryDelayAsync(h.Time, first);
        var second = await log.SkipToAsync(ConnectionState.Reconnecting);
        Assert.Equal(3, second.Attempt);
        await AdvanceByRetryDelayAsync(h.Time, second);

        var closed = await log.NextAsync();
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(CloseReason.AttemptsExhausted, closed.CloseReason);
        Assert.Equal(DisconnectKind.ConnectFailed, closed.Disconnect?.Kind);
        Assert.Equal(3, h.Server.Requests.Count);

        h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(3, h.Server.Requests.Count);
        Assert.Equal(ConnectionState.Closed, h.Connection.State);
    }

    [Fact]
    public async Task StartAsync_throws_ConnectionClosedException_when_attempts_are_exhausted()
    {
        await using var h = NewHarness(new ReconnectOptions { InitialDelay = Initial, MaxDelay = Max, MaxAttempts = 2 });
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.DefaultHandshake = Handshake.Fail();
        var start = h.Connection.StartAsync();

        await AdvanceByRetryDelayAsync(h.Time, await log.SkipToAsync(ConnectionState.Reconnecting));

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => start.WaitAsync(Harness.Safety));
        Assert.Equal(CloseReason.AttemptsExhausted, ex.Reason);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Handshake_503_is_retried_with_backoff_until_the_server_accepts()
    {
        await using var h = NewHarness();
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.EnqueueHandshake(
            Handshake.Refuse(System.Net.HttpStatusCode.ServiceUnavailable),
            Handshake.Refuse(System.Net.HttpStatusCode.ServiceUnavailable),
            Handshake.Refuse(System.Net.HttpStatusCode.ServiceUnavailable));
        h.Connection.Start();

        for (var failed = 1; failed <= 3; failed++)
        {
            var reconnecting = await log.SkipToAsync(ConnectionState.Reconnecting);
            Assert.Equal(failed + 1, reconnecting.Attempt);
            Assert.Equal(DisconnectKind.HandshakeRejected, reconnecting.Disconnect?.Kind);
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, reconnecting.Disconnect?.HttpStatus);
            var ceiling = Ceiling(Initial, Max, failed);
            AssertWithin(reconnecting.RetryDelay!.Value, ceiling / 2, ceiling, "503 retry delay");
            await AdvanceByRetryDelayAsync(h.Time, reconnecting);
        }

        Assert.Equal(4, (await log.SkipToAsync(ConnectionState.Connected)).Attempt);
        Assert.Contains(h.Errors.Values, e => e.Kind == ErrorKind.HandshakeRejected);
    }
}
