using System.Net;
using System.Net.WebSockets;
using NSubstitute;
using RealtimeClient.Testing;
using static RealtimeClient.Tests.Reconnect.Backoff;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>The backoff end to end: read from the Reconnecting states and checked against the virtual clock; an app's own policy, asked once per attempt.</summary>
public sealed class BackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    private static Harness NewHarness(Func<ReconnectOptions, ReconnectOptions>? reconnect = null) =>
        new(o => o with
        {
            Reconnect = (reconnect ?? (r => r))(o.Reconnect with { InitialDelay = Initial, MaxDelay = Max, MinimumUptime = TimeSpan.FromSeconds(10) }),
        });

    [Fact]
    public async Task Ten_failed_attempts_wait_within_their_jitter_bounds_and_exactly_the_announced_delay()
    {
        await using var h = NewHarness();
        h.Server.DefaultHandshake = Handshake.Fail();
        h.Connection.Start();

        for (var failed = 1; failed <= 10; failed++)
        {
            var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
            Assert.Equal(failed + 1, reconnecting.Attempt);
            Assert.Equal(DisconnectKind.ConnectFailed, reconnecting.Disconnect?.Kind);
            var ceiling = Ceiling(Initial, Max, failed);
            var delay = reconnecting.RetryDelay ?? throw new InvalidOperationException("no delay");
            AssertWithin(delay, ceiling / 2, ceiling, $"delay after {failed} failed attempts");

            // The backoff timer is due in exactly the announced delay; one tick short of it, nothing happens.
            await h.Clock.WaitForTimerAsync(t => t == delay).Safe();
            Assert.Equal(failed, h.Server.Requests.Count);
            h.Clock.Advance(delay - TimeSpan.FromTicks(1));
            Assert.Equal(failed, h.Server.Requests.Count);
            h.Clock.Advance(TimeSpan.FromTicks(1));
            await h.Server.WaitForRequestCountAsync(failed + 1).Safe();
        }

        Assert.Equal(ConnectionState.Reconnecting, (await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting)).Current);
        Assert.Empty(h.Errors.Values); // failed attempts are state changes, not errors
    }

    [Fact]
    public async Task A_connection_that_stayed_up_for_the_minimum_uptime_resets_the_backoff()
    {
        await using var h = NewHarness();

        // Three failures grow the backoff: a fourth failure would wait within [4 s, 8 s].
        h.Server.EnqueueHandshake(Handshake.Fail(), Handshake.Fail(), Handshake.Fail());
        h.Connection.Start();
        for (var failed = 1; failed <= 3; failed++)
        {
            await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));
        }

        var connected = await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Equal(4, connected.Attempt);
        var server = await h.Server.AcceptAsync().Safe();

        h.Clock.Advance(TimeSpan.FromSeconds(10));
        server.Abort();

        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(1, reconnecting.Attempt);
        Assert.Equal(DisconnectKind.ConnectionLost, reconnecting.Disconnect?.Kind);
        Assert.True(reconnecting.Disconnect!.UpTime >= TimeSpan.FromSeconds(10));
        AssertWithin(reconnecting.RetryDelay!.Value, TimeSpan.Zero, Initial, "first delay after a connection that stayed up");

        await h.AdvanceByRetryDelayAsync(reconnecting);
        Assert.Equal(1, (await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected)).Attempt);

        // The count started again: a failure right after this new connection backs off from the start.
        var server2 = await h.Server.AcceptAsync().Safe();
        server2.Abort();
        var again = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(2, again.Attempt);
        AssertWithin(again.RetryDelay!.Value, Initial / 2, Initial, "delay after the reset run's first failure");
    }

    [Fact]
    public async Task A_flapping_connection_keeps_backing_off()
    {
        await using var h = NewHarness();
        h.Server.EnqueueHandshake(Handshake.Fail(), Handshake.Fail(), Handshake.Fail());
        h.Connection.Start();
        for (var failed = 1; failed <= 3; failed++)
        {
            await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));
        }

        // Each connection stays up for less than the minimum uptime: it counts as one more failed attempt.
        for (var failed = 4; failed <= 6; failed++)
        {
            var connected = await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
            Assert.Equal(failed, connected.Attempt);
            var server = await h.Server.AcceptAsync().Safe();
            h.Clock.Advance(TimeSpan.FromSeconds(9));
            server.Abort();

            var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
            Assert.Equal(failed + 1, reconnecting.Attempt);
            Assert.Equal(DisconnectKind.ConnectionLost, reconnecting.Disconnect?.Kind);
            Assert.Equal(TimeSpan.FromSeconds(9), reconnecting.Disconnect?.UpTime);
            var ceiling = Ceiling(Initial, Max, failed);
            AssertWithin(reconnecting.RetryDelay!.Value, ceiling / 2, ceiling, $"delay after a flapping connection ({failed} failures)");
            await h.AdvanceByRetryDelayAsync(reconnecting);
        }
    }

    [Fact]
    public async Task MaxAttempts_closes_with_AttemptsExhausted_and_stops_trying()
    {
        await using var h = NewHarness(r => r with { MaxAttempts = 3 });
        h.Server.DefaultHandshake = Handshake.Fail();
        h.Connection.Start();

        var first = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(2, first.Attempt);
        await h.AdvanceByRetryDelayAsync(first);
        var second = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(3, second.Attempt);
        await h.AdvanceByRetryDelayAsync(second);

        var closed = await h.States.SkipToAsync(_ => true);
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(ConnectionState.Reconnecting, closed.Previous);
        Assert.Equal(CloseReason.AttemptsExhausted, closed.CloseReason);
        Assert.Equal(DisconnectKind.ConnectFailed, closed.Disconnect?.Kind);
        Assert.Equal(3, h.Server.Requests.Count);

        h.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(3, h.Server.Requests.Count);
        Assert.Equal(ConnectionState.Closed, h.Connection.State);
        Assert.Empty(h.Clock.PendingDueTimes());
    }

    [Fact]
    public async Task StartAsync_throws_ConnectionClosedException_when_attempts_are_exhausted()
    {
        await using var h = NewHarness(r => r with { MaxAttempts = 2 });
        h.Server.DefaultHandshake = Handshake.Fail();
        var start = h.Connection.StartAsync();

        await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => start.Safe());
        Assert.Equal(CloseReason.AttemptsExhausted, ex.Reason);
        Assert.Equal(DisconnectKind.ConnectFailed, ex.Disconnect?.Kind);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Handshake_503_is_retried_with_backoff_until_the_server_accepts()
    {
        await using var h = NewHarness();
        h.Server.EnqueueHandshake(
            Handshake.Refuse(HttpStatusCode.ServiceUnavailable),
            Handshake.Refuse(HttpStatusCode.ServiceUnavailable),
            Handshake.Refuse(HttpStatusCode.ServiceUnavailable));
        h.Connection.Start();

        for (var failed = 1; failed <= 3; failed++)
        {
            var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
            Assert.Equal(failed + 1, reconnecting.Attempt);
            Assert.Equal(DisconnectKind.HandshakeRejected, reconnecting.Disconnect?.Kind);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, reconnecting.Disconnect?.HttpStatus);
            Assert.Equal("HTTP 503 (ServiceUnavailable)", reconnecting.Disconnect?.Cause);
            var ceiling = Ceiling(Initial, Max, failed);
            AssertWithin(reconnecting.RetryDelay!.Value, ceiling / 2, ceiling, "503 retry delay");
            await h.AdvanceByRetryDelayAsync(reconnecting);
        }

        Assert.Equal(4, (await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected)).Attempt);
        Assert.Empty(h.Errors.Values); // a refused handshake is a state change, not an error
    }

    [Fact]
    public async Task The_apps_policy_is_asked_exactly_once_per_attempt_and_its_delay_is_the_one_announced_and_waited()
    {
        var policy = Substitute.For<IReconnectPolicy>();
        policy.NextDelay(Arg.Any<ReconnectContext>()).Returns(c => TimeSpan.FromMilliseconds(250 * c.Arg<ReconnectContext>().Attempt));
        await using var h = NewHarness(r => r with { Policy = policy });
        h.Server.EnqueueHandshake(Handshake.Fail(), Handshake.Fail(), Handshake.Fail());
        h.Connection.Start();

        for (var attempt = 2; attempt <= 4; attempt++)
        {
            var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
            Assert.Equal(attempt, reconnecting.Attempt);
            Assert.Equal(TimeSpan.FromMilliseconds(250 * attempt), reconnecting.RetryDelay);
            Assert.Equal(attempt - 1, policy.ReceivedCalls().Count());
            await h.AdvanceByRetryDelayAsync(reconnecting);
        }

        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        var contexts = policy.ReceivedCalls().Select(c => (ReconnectContext)c.GetArguments()[0]!).ToList();
        Assert.Equal([2, 3, 4], contexts.Select(c => c.Attempt));
        Assert.All(contexts, c => Assert.Equal(DisconnectKind.ConnectFailed, c.LastDisconnect.Kind));
        Assert.All(contexts, c => Assert.False(c.WasConnected));
        Assert.All(contexts, c => Assert.Equal(TimeSpan.Zero, c.LastConnectionUpTime));

        // Elapsed: since the start, the waits so far (0.5 s, then 0.75 s more).
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1250)], contexts.Select(c => c.Elapsed));
        Assert.Equal(4, h.Server.Requests.Count);
    }

    [Fact]
    public async Task After_a_drop_the_policy_is_told_the_attempt_the_cause_and_how_long_the_connection_stayed_up()
    {
        var policy = Substitute.For<IReconnectPolicy>();
        policy.NextDelay(Arg.Any<ReconnectContext>()).Returns(TimeSpan.FromSeconds(2));
        await using var h = NewHarness(r => r with { Policy = policy });
        var server = await h.StartAndAcceptAsync();

        h.Clock.Advance(TimeSpan.FromMinutes(3));
        await server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "restarting").Safe();

        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(TimeSpan.FromSeconds(2), reconnecting.RetryDelay);
        var context = (ReconnectContext)policy.ReceivedCalls().Single().GetArguments()[0]!;
        Assert.Equal(1, context.Attempt);
        Assert.True(context.WasConnected);
        Assert.Equal(TimeSpan.FromMinutes(3), context.LastConnectionUpTime);
        Assert.Equal(DisconnectKind.ServerClosed, context.LastDisconnect.Kind);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, context.LastDisconnect.CloseStatus);
        Assert.Equal("restarting", context.LastDisconnect.CloseDescription);
        Assert.Equal(TimeSpan.Zero, context.Elapsed);

        await h.AdvanceByRetryDelayAsync(reconnecting);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        policy.Received(1).NextDelay(Arg.Any<ReconnectContext>());
    }

    [Fact]
    public async Task A_policy_that_returns_null_closes_with_AttemptsExhausted_after_being_asked_once()
    {
        var policy = Substitute.For<IReconnectPolicy>();
        policy.NextDelay(Arg.Any<ReconnectContext>()).Returns((TimeSpan?)null);
        await using var h = NewHarness(r => r with { Policy = policy });
        var server = await h.StartAndAcceptAsync();

        h.Clock.Advance(TimeSpan.FromSeconds(10));
        server.Abort();

        var closed = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(CloseReason.AttemptsExhausted, closed.CloseReason);
        Assert.Equal(DisconnectKind.ConnectionLost, closed.Disconnect?.Kind);
        policy.Received(1).NextDelay(Arg.Is<ReconnectContext>(c => c.Attempt == 1 && c.LastDisconnect.Kind == DisconnectKind.ConnectionLost));
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task The_policy_is_not_asked_about_an_end_that_closes_for_good()
    {
        var policy = Substitute.For<IReconnectPolicy>();
        policy.NextDelay(Arg.Any<ReconnectContext>()).Returns(TimeSpan.Zero);
        await using var h = NewHarness(r => r with { Policy = policy });
        var server = await h.StartAndAcceptAsync();

        await server.CloseAsync(WebSocketCloseStatus.PolicyViolation, "banned").Safe();

        var closed = await h.States.SkipToAsync(s => s.Current == ConnectionState.Closed);
        Assert.Equal(CloseReason.FatalCloseStatus, closed.CloseReason);
        policy.DidNotReceiveWithAnyArgs().NextDelay(default!);
    }

    [Fact]
    public async Task A_zero_delay_from_the_policy_retries_at_once_without_a_timer()
    {
        var policy = Substitute.For<IReconnectPolicy>();
        policy.NextDelay(Arg.Any<ReconnectContext>()).Returns(TimeSpan.Zero);
        await using var h = NewHarness(r => r with { Policy = policy });
        h.Server.EnqueueHandshake(Handshake.Fail(), Handshake.Fail());
        var before = h.Clock.GetUtcNow();

        await h.Connection.StartAsync().Safe();

        Assert.Equal(3, h.Server.Requests.Count);
        Assert.Equal(before, h.Clock.GetUtcNow());
        Assert.Equal(
            [ConnectionState.Connecting, ConnectionState.Reconnecting, ConnectionState.Reconnecting, ConnectionState.Connected],
            h.States.Values.Select(s => s.Current));
        policy.Received(2).NextDelay(Arg.Any<ReconnectContext>());
    }
}
