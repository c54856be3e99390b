using RealtimeClient.Tests.Engine;
using RealtimeClient.Tests.Infrastructure;
using static RealtimeClient.Tests.Reconnect.ReconnectTestKit;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>The on-connected hook: it runs on every socket before the queue flushes, and its failures count.</summary>
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
        var runs = 0;
        await using var h = new Harness(o => Options(o, onConnected: async (ctx, ct) =>
        {
            var reply = ctx.WaitForTypeAsync(["auth_success", "auth_failed"], ct);
            await ctx.SendAsync(Auth, ct);
            var (type, _) = await reply;
            Assert.Equal("auth_success", type);
            await ctx.SendAsync(Subscribe, ct);
            Interlocked.Increment(ref runs);
        }));
        using var log = new StateLog(h.Connection.StateChanges);
        AnswerAuth(h.Server);
        var server = await h.StartAndAcceptAsync();
        Assert.Equal(1, runs);
        await server.WaitForReceivedCountAsync(2).WaitAsync(Harness.Safety);

        for (var round = 1; round <= 3; round++)
        {
            server.Abort();
            var reconnecting = await log.SkipToAsync(ConnectionState.Reconnecting);
            var sends = new[]
            {
                h.Connection.SendAsync($"queued-{round}-a").AsTask(),
                h.Connection.SendAsync($"queued-{round}-b").AsTask(),
                h.Connection.SendAsync($"queued-{round}-c").AsTask(),
            };
            Assert.Equal(3, h.Connection.PendingCount);

            await AdvanceByRetryDelayAsync(h.Time, reconnecting);
            var connected = await log.SkipToAsync(ConnectionState.Connected);
            server = await h.Server.AcceptAsync().WaitAsync(Harness.Safety);
            await Task.WhenAll(sends).WaitAsync(Harness.Safety);
            await server.WaitForReceivedCountAsync(5).WaitAsync(Harness.Safety);

            Assert.Equal(
                new[] { Auth, Subscribe, $"queued-{round}-a", $"queued-{round}-b", $"queued-{round}-c" },
                server.Received.Select(f => f.Text ?? "<binary>").ToArray());
            Assert.Equal(round + 1, runs);
        }
    }

    [Fact]
    public async Task A_hook_failure_counts_as_a_failed_attempt()
    {
        var runs = 0;
        await using var h = new Harness(o => Options(o, onConnected: (ctx, ct) =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                throw new InvalidOperationException("subscribe failed");
            }

            return ValueTask.CompletedTask;
        }));
        using var log = new StateLog(h.Connection.StateChanges);
        h.Connection.Start();
        var first = await h.Server.AcceptAsync().WaitAsync(Harness.Safety);

        var reconnecting = await log.SkipToAsync(s => s.Previous == ConnectionState.Connecting);
        Assert.Equal(ConnectionState.Reconnecting, reconnecting.Current);
        Assert.Equal(2, reconnecting.Attempt);
        Assert.Equal(DisconnectKind.OnConnectedFailed, reconnecting.Disconnect?.Kind);
        Assert.IsType<InvalidOperationException>(reconnecting.Disconnect?.Exception);
        AssertWithin(reconnecting.RetryDelay!.Value, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1), "delay after the failed hook");
        await h.Errors.FirstAsync(e => e.Kind == ErrorKind.OnConnectedFailed);
        await first.ClientDisconnected.WaitAsync(Harness.Safety);

        await AdvanceByRetryDelayAsync(h.Time, reconnecting);
        var connected = await log.SkipToAsync(ConnectionState.Connected);
        Assert.Equal(2, connected.Attempt);
        Assert.Equal(2, runs);
        Assert.DoesNotContain(log.All, s => s.Current == ConnectionState.Connected && s.Attempt == 1);
    }

    [Fact]
    public async Task A_hook_failure_counts_towards_MaxAttempts()
    {
        await using var h = new Harness(o => Options(o, new ReconnectOptions { MaxAttempts = 2 },
            onConnected: (_, _) => throw new InvalidOperationException("always")));
        using var log = new StateLog(h.Connection.StateChanges);
        h.Connection.Start();
        await AdvanceByRetryDelayAsync(h.Time, await log.SkipToAsync(ConnectionState.Reconnecting));
        var closed = await log.SkipToAsync(ConnectionState.Closed);
        Assert.Equal(CloseReason.AttemptsExhausted, closed.CloseReason);
        Assert.Equal(2, h.Server.Requests.Count);
        Assert.DoesNotContain(log.All, s => s.Current == ConnectionState.Connected);
    }

    [Fact]
    public async Task FatalConnectionException_from_the_hook_closes_for_good()
    {
        await using var h = new Harness(o => Options(o, onConnected: (_, _) => throw new FatalConnectionException("banned")));
        using var log = new StateLog(h.Connection.StateChanges);
        var start = h.Connection.StartAsync();

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => start.WaitAsync(Harness.Safety));
        Assert.Equal(CloseReason.OnConnectedFatal, ex.Reason);
        var closed = await log.SkipToAsync(ConnectionState.Closed);
        Assert.Equal(CloseReason.OnConnectedFatal, closed.CloseReason);
        Assert.IsType<FatalConnectionException>(closed.Disconnect?.Exception);
        h.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
        Assert.DoesNotContain(log.All, s => s.Current is ConnectionState.Connected or ConnectionState.Reconnecting);
        await h.Server.Connections[0].ClientDisconnected.WaitAsync(Harness.Safety);
    }
}
