using System.Net.WebSockets;
using RealtimeClient.Testing;
using static RealtimeClient.Tests.Reconnect.Backoff;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>The on-connected hook: it runs on every socket before the queue flushes, its failures count, and it is bounded.</summary>
public sealed class OnConnectedHookTests
{
    private const string Auth = "{\"type\":\"auth\",\"data\":{\"token\":\"t\"}}";
    private const string Subscribe = "{\"type\":\"subscribe\"}";

    private static void AnswerAuth(InMemoryWebSocketServer server) =>
        server.OnAccepted = c => c.OnMessage = async (frame, conn) =>
        {
            if (frame.Text == Auth)
            {
                await conn.SendTextAsync("{\"type\":\"auth_success\"}");
            }
        };

    [Fact]
    public async Task The_hook_runs_before_the_queue_flushes_on_every_reconnect()
    {
        var runs = new List<(int Attempt, bool IsReconnect)>();
        await using var h = new Harness(o => o with
        {
            OnConnected = async (ctx, ct) =>
            {
                var reply = ctx.WaitForTypeAsync(["auth_success", "auth_failed"], ct);
                await ctx.SendTextAsync(Auth, ct);
                var (type, _) = await reply;
                Assert.Equal("auth_success", type);
                await ctx.SendTextAsync(Subscribe, ct);
                lock (runs)
                {
                    runs.Add((ctx.Attempt, ctx.IsReconnect));
                }
            },
        });
        AnswerAuth(h.Server);
        var server = await h.StartAndAcceptAsync();
        Assert.Equal([(1, false)], runs);
        await server.WaitForReceivedCountAsync(2).Safe();

        for (var round = 1; round <= 3; round++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(30)); // stays up: each reconnect is attempt 1
            server.Abort();
            var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
            var sends = new[]
            {
                h.Connection.SendTextAsync($"queued-{round}-a").AsTask(),
                h.Connection.SendTextAsync($"queued-{round}-b").AsTask(),
                h.Connection.SendTextAsync($"queued-{round}-c").AsTask(),
            };
            Assert.Equal(3, h.Connection.PendingCount);

            await h.AdvanceByRetryDelayAsync(reconnecting);
            await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
            server = await h.Server.AcceptAsync().Safe();
            await Task.WhenAll(sends).Safe();
            await server.WaitForReceivedCountAsync(5).Safe();

            Assert.Equal(
                [Auth, Subscribe, $"queued-{round}-a", $"queued-{round}-b", $"queued-{round}-c"],
                server.Received.Select(f => f.Text ?? "<binary>"));
            Assert.Equal((1, true), runs[^1]);
            Assert.Equal(round + 1, runs.Count);
        }
    }

    [Fact]
    public async Task Nothing_queued_goes_out_and_the_state_stays_Connecting_while_the_hook_runs()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = new Harness(o => o with
        {
            OnConnected = async (ctx, ct) =>
            {
                await ctx.SendTextAsync("hello from the hook", ct);
                entered.TrySetResult();
                await release.Task.WaitAsync(ct);
            },
        });
        var queued = h.Connection.SendTextAsync("queued before the start").AsTask();
        h.Connection.Start();
        var server = await h.Server.AcceptAsync().Safe();
        await entered.Task.Safe();
        Assert.Equal("hello from the hook", (await server.ReceiveAsync().Safe()).Text);

        Assert.Equal(ConnectionState.Connecting, h.Connection.State);
        Assert.False(queued.IsCompleted);
        Assert.Single(server.Received);

        release.TrySetResult();
        await queued.Safe();
        Assert.Equal("queued before the start", (await server.ReceiveAsync().Safe()).Text);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Fact]
    public async Task A_hook_failure_counts_as_a_failed_attempt()
    {
        var runs = 0;
        await using var h = new Harness(o => o with
        {
            OnConnected = (ctx, ct) => Interlocked.Increment(ref runs) == 1
                ? throw new InvalidOperationException("subscribe failed")
                : ValueTask.CompletedTask,
        });
        h.Connection.Start();
        var first = await h.Server.AcceptAsync().Safe();

        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connecting);
        Assert.Equal(ConnectionState.Reconnecting, reconnecting.Current);
        Assert.Equal(2, reconnecting.Attempt);
        Assert.Equal(DisconnectKind.OnConnectedFailed, reconnecting.Disconnect?.Kind);
        Assert.IsType<InvalidOperationException>(reconnecting.Disconnect?.Exception);
        Assert.Equal("OnConnectedFailed: InvalidOperationException: subscribe failed", reconnecting.Disconnect?.Cause);
        AssertWithin(reconnecting.RetryDelay!.Value, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1), "delay after the failed hook");
        await first.ClientDisconnected.Safe();

        await h.AdvanceByRetryDelayAsync(reconnecting);
        var connected = await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Equal(2, connected.Attempt);
        Assert.Equal(2, runs);
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Connected && s.Attempt == 1);
        Assert.Empty(h.Errors.Values); // a failed attempt is a state change, not an error
    }

    [Fact]
    public async Task A_hook_failure_counts_towards_MaxAttempts()
    {
        await using var h = new Harness(o => o with
        {
            Reconnect = o.Reconnect with { MaxAttempts = 2 },
            OnConnected = (_, _) => throw new InvalidOperationException("always"),
        });
        h.Connection.Start();
        await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));
        var closed = await h.States.SkipToAsync(s => s.Current == ConnectionState.Closed);
        Assert.Equal(CloseReason.AttemptsExhausted, closed.CloseReason);
        Assert.Equal(DisconnectKind.OnConnectedFailed, closed.Disconnect?.Kind);
        Assert.Equal(2, h.Server.Requests.Count);
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Connected);
    }

    [Fact]
    public async Task FatalConnectionException_from_the_hook_closes_for_good()
    {
        await using var h = new Harness(o => o with { OnConnected = (_, _) => throw new FatalConnectionException("banned") });
        var start = h.Connection.StartAsync();

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => start.Safe());
        Assert.Equal(CloseReason.OnConnectedFatal, ex.Reason);
        var closed = await h.States.SkipToAsync(s => s.Current == ConnectionState.Closed);
        Assert.Equal(CloseReason.OnConnectedFatal, closed.CloseReason);
        Assert.IsType<FatalConnectionException>(closed.Disconnect?.Exception);
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
        Assert.DoesNotContain(h.States.Values, s => s.Current is ConnectionState.Connected or ConnectionState.Reconnecting);
        await h.Server.Connections[0].ClientDisconnected.Safe();
    }

    [Fact]
    public async Task A_hook_whose_socket_dies_under_it_fails_the_attempt_with_the_sockets_own_cause()
    {
        await using var h = new Harness(o => o with
        {
            OnConnected = async (ctx, ct) => await ctx.WaitForTypeAsync(["auth_success"], ct),
        });
        h.Connection.Start();
        var server = await h.Server.AcceptAsync().Safe();

        await server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "going away").Safe();

        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connecting);
        Assert.Equal(ConnectionState.Reconnecting, reconnecting.Current);
        Assert.Equal(DisconnectKind.ServerClosed, reconnecting.Disconnect?.Kind);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, reconnecting.Disconnect?.CloseStatus);
    }

    [Fact]
    public async Task A_hook_that_ignores_its_token_is_bounded_by_ConnectTimeout()
    {
        // Issue 10, defect 5.
        var connectTimeout = TimeSpan.FromSeconds(7);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = new Harness(o => o with
        {
            Reconnect = o.Reconnect with { ConnectTimeout = connectTimeout },
            OnConnected = async (_, _) => await never.Task,
        });
        h.Connection.Start();
        var server = await h.Server.AcceptAsync().Safe();
        await h.Clock.WaitForTimerAsync(d => d == connectTimeout).Safe();

        h.Clock.Advance(connectTimeout - TimeSpan.FromTicks(1));
        Assert.Equal(ConnectionState.Connecting, h.Connection.State);
        h.Clock.Advance(TimeSpan.FromTicks(1));

        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connecting);
        Assert.Equal(ConnectionState.Reconnecting, reconnecting.Current);
        Assert.Equal(DisconnectKind.ConnectTimeout, reconnecting.Disconnect?.Kind);
        Assert.Equal("connect timeout", reconnecting.Disconnect?.Cause);
        await server.ClientDisconnected.Safe(); // the socket opened for the attempt is not left behind
    }

    [Fact]
    public async Task DisposeAsync_during_a_hook_that_ignores_its_token_returns_without_time_moving()
    {
        // Issue 10, defect 5: the dispose does not wait for the hook.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var h = new Harness(o => o with
        {
            OnConnected = async (_, _) =>
            {
                entered.TrySetResult();
                await never.Task;
            },
        });
        var queued = h.Connection.SendTextAsync("queued").AsTask();
        h.Connection.Start();
        var server = await h.Server.AcceptAsync().Safe();
        await entered.Task.Safe();
        var before = h.Clock.GetUtcNow();

        await h.Connection.DisposeAsync().Safe();

        Assert.Equal(before, h.Clock.GetUtcNow());
        var closed = h.States.Values[^1];
        Assert.Equal((ConnectionState.Connecting, ConnectionState.Closed, CloseReason.Disposed), (closed.Previous, closed.Current, closed.CloseReason));
        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => queued.Safe());
        Assert.Equal(DeliveryFailureReason.ConnectionClosed, failure.Reason);
        await server.ClientDisconnected.Safe();
        Assert.True(h.States.Completed);
        await h.DisposeAsync();
    }
}
