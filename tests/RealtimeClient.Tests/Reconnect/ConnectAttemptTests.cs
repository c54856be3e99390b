using System.Net.Sockets;
using System.Net.WebSockets;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>One attempt is bounded by <see cref="ReconnectOptions.ConnectTimeout"/>, whatever part of it hangs, and a dispose never waits for it.</summary>
public sealed class ConnectAttemptTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_handshake_that_never_answers_times_out_after_ConnectTimeout_and_is_retried()
    {
        await using var h = new Harness();
        h.Server.EnqueueHandshake(Handshake.Hang);
        h.Connection.Start();
        await h.Server.WaitForRequestCountAsync(1).Safe();
        await h.Clock.WaitForTimerAsync(d => d == ConnectTimeout).Safe();

        h.Clock.Advance(ConnectTimeout - TimeSpan.FromTicks(1));
        Assert.Equal(ConnectionState.Connecting, h.Connection.State);
        h.Clock.Advance(TimeSpan.FromTicks(1));

        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(ConnectionState.Connecting, reconnecting.Previous);
        Assert.Equal(DisconnectKind.ConnectTimeout, reconnecting.Disconnect?.Kind);
        Assert.IsType<TimeoutException>(reconnecting.Disconnect?.Exception);
        Assert.Equal(2, reconnecting.Attempt);
        await h.AdvanceByRetryDelayAsync(reconnecting);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task A_connector_that_ignores_its_token_is_still_bounded_by_ConnectTimeout()
    {
        var connector = Substitute.For<IWebSocketConnector>();
        var never = new TaskCompletionSource<WebSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
#pragma warning disable CA2012 // configuring a substitute: the ValueTask is the call being configured, never awaited
        connector.ConnectAsync(default!, default).ReturnsForAnyArgs(new ValueTask<WebSocket>(never.Task));
#pragma warning restore CA2012
        await using var h = new Harness(o => o with { Connector = connector, Reconnect = o.Reconnect with { MaxAttempts = 2 } });
        h.Connection.Start();

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await h.Clock.WaitForTimerAsync(d => d == ConnectTimeout).Safe();
            h.Clock.Advance(ConnectTimeout);
            var next = await h.States.SkipToAsync(s => s.Previous != s.Current && s.Previous is ConnectionState.Connecting or ConnectionState.Reconnecting);
            Assert.Equal(DisconnectKind.ConnectTimeout, next.Disconnect?.Kind);
            if (next.Current == ConnectionState.Reconnecting)
            {
                await h.AdvanceByRetryDelayAsync(next);
            }
        }

        var closed = await h.States.FirstAsync(s => s.Current == ConnectionState.Closed);
        Assert.Equal(CloseReason.AttemptsExhausted, closed.CloseReason);
        await connector.ReceivedWithAnyArgs(2).ConnectAsync(default!, default);
    }

    [Fact]
    public async Task DisposeAsync_during_a_connector_that_ignores_its_token_returns_at_once()
    {
        var connector = Substitute.For<IWebSocketConnector>();
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
#pragma warning disable CA2012 // configuring a substitute: the ValueTask is the call being configured, never awaited
        connector.ConnectAsync(default!, default).ReturnsForAnyArgs(_ =>
        {
            called.TrySetResult();
            return new ValueTask<WebSocket>(new TaskCompletionSource<WebSocket>().Task);
        });
#pragma warning restore CA2012
        var h = new Harness(o => o with { Connector = connector });
        h.Connection.Start();
        await called.Task.Safe();
        var before = h.Clock.GetUtcNow();

        await h.Connection.DisposeAsync().Safe();

        Assert.Equal(before, h.Clock.GetUtcNow());
        var closed = h.States.Values[^1];
        Assert.Equal((ConnectionState.Connecting, ConnectionState.Closed, CloseReason.Disposed), (closed.Previous, closed.Current, closed.CloseReason));
        await h.DisposeAsync();
    }

    [Fact]
    public async Task A_connector_that_throws_fails_the_attempt_with_the_socket_error_as_its_cause()
    {
        var connector = Substitute.For<IWebSocketConnector>();
#pragma warning disable CA2012 // configuring a substitute
        connector.ConnectAsync(default!, default).ThrowsAsyncForAnyArgs(new WebSocketException("Unable to connect", new SocketException((int)SocketError.HostNotFound)));
#pragma warning restore CA2012
        await using var h = new Harness(o => o with { Connector = connector, Reconnect = o.Reconnect with { RetryFirstConnect = false } });

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.StartAsync().Safe());

        Assert.Equal(CloseReason.NotRetried, ex.Reason);
        Assert.Equal(DisconnectKind.ConnectFailed, ex.Disconnect?.Kind);
        Assert.Equal(SocketError.HostNotFound, ex.Disconnect?.SocketError);
        Assert.Equal("host not found", ex.Disconnect?.Cause);
    }

    [Fact]
    public async Task A_token_provider_that_ignores_its_token_is_bounded_by_ConnectTimeout()
    {
        var calls = 0;
        var never = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = new Harness(o => o with
        {
            Authentication = new AuthenticationOptions
            {
                TokenProvider = (_, _) => Interlocked.Increment(ref calls) == 1 ? new ValueTask<string?>(never.Task) : ValueTask.FromResult<string?>("token"),
            },
        });
        h.Connection.Start();
        await h.Clock.WaitForTimerAsync(d => d == ConnectTimeout).Safe();

        h.Clock.Advance(ConnectTimeout);

        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(DisconnectKind.ConnectTimeout, reconnecting.Disconnect?.Kind);
        await h.AdvanceByRetryDelayAsync(reconnecting);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Equal("Bearer token", h.Server.Requests.Single().Headers["Authorization"]);
    }

    [Fact]
    public async Task DisposeAsync_during_a_token_provider_that_ignores_its_token_returns_at_once()
    {
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var h = new Harness(o => o with
        {
            Authentication = new AuthenticationOptions
            {
                TokenProvider = (_, _) =>
                {
                    called.TrySetResult();
                    return new ValueTask<string?>(new TaskCompletionSource<string?>().Task);
                },
            },
        });
        h.Connection.Start();
        await called.Task.Safe();

        await h.Connection.DisposeAsync().Safe();

        Assert.Equal(CloseReason.Disposed, h.States.Values[^1].CloseReason);
        Assert.Empty(h.Server.Requests);
        await h.DisposeAsync();
    }
}
