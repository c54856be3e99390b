using System.Net.WebSockets;
using NSubstitute;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Lifecycle;

/// <summary>
/// The defects of issue 10 in stop and dispose, one regression test each, and the bounds docs/architecture.md promises: stop
/// and dispose never throw and never hang, every pending send ends, the streams complete, and each wait is bounded.
/// </summary>
public sealed class StopAndDisposeTests
{
    private sealed record Chat(string Text);

    private static async Task<MessageDeliveryException> FailsWith(DeliveryFailureReason reason, Task send)
    {
        var ex = await Assert.ThrowsAsync<MessageDeliveryException>(() => send.Safe());
        Assert.Equal(reason, ex.Reason);
        return ex;
    }

    private static async Task<List<Task>> SendAcknowledgedAsync(Harness h, FakeServerConnection server, int count)
    {
        var sends = Enumerable.Range(1, count).Select(i => h.Connection.SendAsync("chat", new Chat($"m{i}"), SendOptions.Acknowledged).AsTask()).ToList();
        await server.WaitForReceivedCountAsync(count).Safe();
        Assert.Equal(count, h.Connection.UnacknowledgedCount);
        Assert.All(sends, s => Assert.False(s.IsCompleted));
        return sends;
    }

    // Defect 1: the socket dies during the close.
    [Fact]
    public async Task StopAsync_when_the_socket_dies_during_the_close_does_not_throw_and_ends_everything()
    {
        var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        var unacknowledged = await SendAcknowledgedAsync(h, server, 3);
        server.FailClientWrites(); // the close frame fails like a write on a dying socket

        await h.Connection.StopAsync().Safe();

        Assert.Equal(ConnectionState.Closed, h.Connection.State);
        Assert.Equal(CloseReason.Stopped, h.States.Values[^1].CloseReason);
        foreach (var send in unacknowledged)
        {
            await FailsWith(DeliveryFailureReason.ConnectionClosed, send);
        }

        var later = h.Connection.SendTextAsync("after the stop").AsTask();
        Assert.True(later.IsCompleted);
        await FailsWith(DeliveryFailureReason.ConnectionClosed, later);
        await server.ClientDisconnected.Safe();

        await h.Connection.DisposeAsync().Safe();
        Assert.True(h.States.Completed);
        Assert.True(h.Errors.Completed);
        await h.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_when_the_socket_dies_during_the_close_does_not_throw_and_ends_everything()
    {
        var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        var unacknowledged = await SendAcknowledgedAsync(h, server, 3);
        server.FailClientWrites();

        await h.Connection.DisposeAsync().Safe();

        Assert.Equal((ConnectionState.Closed, CloseReason.Disposed), (h.Connection.State, h.States.Values[^1].CloseReason));
        foreach (var send in unacknowledged)
        {
            await FailsWith(DeliveryFailureReason.ConnectionClosed, send);
        }

        Assert.True(h.States.Completed);
        await messages.Completion.Safe();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => h.Connection.SendTextAsync("after").AsTask()).Safe();
        await h.DisposeAsync();
    }

    [Fact]
    public async Task StopAsync_when_the_server_drops_the_socket_while_the_client_waits_for_its_close_answer_completes_at_once()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.GoSilent();
        var stop = h.Connection.StopAsync();
        await h.Clock.WaitForTimerAsync(d => d == h.Options.CloseTimeout).Safe();
        var before = h.Clock.GetUtcNow();

        server.Abort();

        await stop.Safe();
        Assert.Equal(before, h.Clock.GetUtcNow());
        var closed = h.States.Values[^1];
        Assert.Equal((ConnectionState.Connected, ConnectionState.Closed, CloseReason.Stopped), (closed.Previous, closed.Current, closed.CloseReason));
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Reconnecting);
    }

    [Fact]
    public async Task Cancelling_StopAsync_aborts_the_close_at_once_without_throwing()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.GoSilent();
        using var cts = new CancellationTokenSource();
        var stop = h.Connection.StopAsync(cts.Token);
        await h.Clock.WaitForTimerAsync(d => d == h.Options.CloseTimeout).Safe();
        var before = h.Clock.GetUtcNow();

        await cts.CancelAsync();

        await stop.Safe();
        Assert.Equal(before, h.Clock.GetUtcNow());
        await server.ClientDisconnected.Safe();
        Assert.Equal(CloseReason.Stopped, h.States.Values[^1].CloseReason);
    }

    // Defect 2: sends queued before Start, and sends racing StopAsync.
    [Fact]
    public async Task Sends_queued_before_Start_fail_with_ConnectionClosed_on_DisposeAsync()
    {
        var h = new Harness();
        var sends = new[]
        {
            h.Connection.SendTextAsync("one").AsTask(),
            h.Connection.SendAsync("chat", new Chat("two"), SendOptions.Acknowledged).AsTask(),
            h.Connection.SendBinaryAsync(new byte[] { 3 }).AsTask(),
        };
        Assert.Equal(3, h.Connection.PendingCount);

        await h.Connection.DisposeAsync().Safe();

        foreach (var send in sends)
        {
            await FailsWith(DeliveryFailureReason.ConnectionClosed, send);
        }

        Assert.Equal(0, h.Connection.PendingCount);
        var closed = Assert.Single(h.States.Values);
        Assert.Equal((ConnectionState.Disconnected, ConnectionState.Closed, CloseReason.Disposed), (closed.Previous, closed.Current, closed.CloseReason));
        Assert.Empty(h.Server.Requests);
        await h.DisposeAsync();
    }

    [Fact]
    public async Task Sends_made_while_a_stop_waits_for_a_write_fail_at_once_and_the_write_ends_too()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var underWay = h.Connection.SendTextAsync("under way").AsTask();
        await server.ClientWriteBlocked.Safe();
        var queued = h.Connection.SendTextAsync("queued behind it").AsTask();

        var stop = h.Connection.StopAsync();
        await h.Clock.WaitForTimerAsync(d => d == h.Options.CloseTimeout).Safe(); // the stop waits for the write under way
        var during = Enumerable.Range(0, 10).Select(i => h.Connection.SendTextAsync($"during {i}").AsTask()).ToList();

        Assert.All(during, s => Assert.True(s.IsCompleted));
        foreach (var send in during.Append(queued))
        {
            await FailsWith(DeliveryFailureReason.ConnectionClosed, send);
        }

        h.Clock.Advance(h.Options.CloseTimeout);
        await stop.Safe();
        await FailsWith(DeliveryFailureReason.Interrupted, underWay); // aborted under its write: it may have left, so not "closed before it went"
        Assert.Equal(0, h.Connection.PendingCount);
    }

    [Fact]
    public async Task Sends_racing_StopAsync_all_complete()
    {
        // The race itself is not deterministic; its outcome must be: every send ends, none is left pending.
        for (var round = 0; round < 25; round++)
        {
            await using var h = new Harness();
            var server = await h.StartAndAcceptAsync();
            using var go = new ManualResetEventSlim();
            var senders = Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
            {
                go.Wait();
                var sends = new List<Task>();
                for (var i = 0; i < 50; i++)
                {
                    sends.Add(h.Connection.SendTextAsync($"{t}-{i}", i % 2 == 0 ? SendOptions.Default : SendOptions.Default with { TimeToLive = TimeSpan.FromMinutes(1) }).AsTask());
                }

                return sends;
            })).ToList();

            go.Set();
            var stop = h.Connection.StopAsync();
            var all = (await Task.WhenAll(senders).Safe()).SelectMany(s => s).ToList();
            await stop.Safe();

            foreach (var send in all)
            {
                try
                {
                    await send.Safe();
                }
                catch (MessageDeliveryException ex)
                {
                    Assert.Equal(DeliveryFailureReason.ConnectionClosed, ex.Reason);
                }
            }

            Assert.Equal(0, h.Connection.PendingCount);
            Assert.Equal(ConnectionState.Closed, h.Connection.State);
        }
    }

    // Defect 3: a blocked fast-path write during DisposeAsync.
    [Fact]
    public async Task A_direct_write_blocked_when_DisposeAsync_runs_fails_as_Interrupted_and_the_dispose_returns_at_once()
    {
        var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var blocked = h.Connection.SendTextAsync("blocked").AsTask(); // the queue is idle: the caller writes directly
        await server.ClientWriteBlocked.Safe();
        Assert.Equal(0, h.Connection.PendingCount);
        var before = h.Clock.GetUtcNow();

        await h.Connection.DisposeAsync().Safe();

        Assert.Equal(before, h.Clock.GetUtcNow());
        await FailsWith(DeliveryFailureReason.Interrupted, blocked);
        await server.ClientDisconnected.Safe();
        await h.DisposeAsync();
    }

    [Fact]
    public async Task A_direct_write_blocked_when_StopAsync_runs_gets_CloseTimeout_then_fails()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var blocked = h.Connection.SendTextAsync("blocked").AsTask();
        await server.ClientWriteBlocked.Safe();

        var stop = h.Connection.StopAsync();
        await h.Clock.WaitForTimerAsync(d => d == h.Options.CloseTimeout).Safe();
        h.Clock.Advance(h.Options.CloseTimeout - TimeSpan.FromTicks(1));
        Assert.False(stop.IsCompleted);
        Assert.False(blocked.IsCompleted);

        h.Clock.Advance(TimeSpan.FromTicks(1));

        await stop.Safe();
        await FailsWith(DeliveryFailureReason.Interrupted, blocked);
        await server.ClientDisconnected.Safe();
    }

    [Fact]
    public async Task A_write_under_way_when_StopAsync_runs_finishes_if_the_socket_frees_up_within_CloseTimeout()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var blocked = h.Connection.SendTextAsync("slow but delivered").AsTask();
        await server.ClientWriteBlocked.Safe();
        var stop = h.Connection.StopAsync();
        await h.Clock.WaitForTimerAsync(d => d == h.Options.CloseTimeout).Safe();

        server.ReleaseClientWrites();

        await blocked.Safe();
        await stop.Safe();
        Assert.Equal("slow but delivered", (await server.ReceiveAsync().Safe()).Text);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await server.ClientClosed.Safe()).Status);
    }

    // Defect 6: dispose does not wait for a subscriber, cuts a stop's close short, and does not wait out a blocked write.
    [Fact]
    public async Task DisposeAsync_does_not_wait_for_a_blocked_subscriber_whose_stream_completes_when_it_returns()
    {
        var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscriber = Substitute.For<IObserver<InboundMessage>>();
        subscriber.When(s => s.OnNext(Arg.Any<InboundMessage>())).Do(_ =>
        {
            entered.TrySetResult();
            release.Wait(); // a subscriber busy for as long as the test says
        });
        subscriber.When(s => s.OnCompleted()).Do(_ => completed.TrySetResult());
        using var subscription = h.Connection.Messages.Subscribe(subscriber);
        await server.SendTextAsync("{\"type\":\"chat\"}");
        await entered.Task.Safe();

        await h.Connection.DisposeAsync().Safe();

        Assert.True(h.States.Completed);
        Assert.False(completed.Task.IsCompleted); // the busy subscriber is not interrupted
        release.Set();
        await completed.Task.Safe();
        subscriber.Received(1).OnNext(Arg.Any<InboundMessage>());
        subscriber.DidNotReceive().OnError(Arg.Any<Exception>());
        await h.DisposeAsync();
        release.Dispose();
    }

    [Fact]
    public async Task DisposeAsync_during_a_StopAsync_cuts_its_close_short_and_both_return()
    {
        var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.GoSilent();
        var stop = h.Connection.StopAsync();
        await h.Clock.WaitForTimerAsync(d => d == h.Options.CloseTimeout).Safe();
        var before = h.Clock.GetUtcNow();

        await h.Connection.DisposeAsync().Safe();

        await stop.Safe();
        Assert.Equal(before, h.Clock.GetUtcNow());
        await server.ClientDisconnected.Safe(); // not left open for the rest of the close timeout
        Assert.Equal(ConnectionState.Closed, h.Connection.State);
        Assert.Single(h.States.Values, s => s.Current == ConnectionState.Closed);
        Assert.True(h.States.Completed);
        await h.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_with_a_queued_write_blocked_on_the_socket_aborts_it_at_once()
    {
        var h = new Harness(o => o with { CloseTimeout = TimeSpan.FromSeconds(30) });
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var blocked = h.Connection.SendAsync("chat", new Chat("acknowledged, so queued"), SendOptions.Acknowledged).AsTask();
        await server.ClientWriteBlocked.Safe();
        var before = h.Clock.GetUtcNow();

        await h.Connection.DisposeAsync().Safe();

        Assert.Equal(before, h.Clock.GetUtcNow());
        await FailsWith(DeliveryFailureReason.ConnectionClosed, blocked);
        await server.ClientDisconnected.Safe();
        await h.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_waits_at_most_one_second_for_a_close_frame_the_socket_cannot_take()
    {
        var h = new Harness(o => o with { CloseTimeout = TimeSpan.FromSeconds(30) });
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites(); // nothing under way: the close frame itself blocks

        var dispose = h.Connection.DisposeAsync().AsTask();
        await server.ClientWriteBlocked.Safe();
        await h.Clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(1)).Safe();
        h.Clock.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
        Assert.False(dispose.IsCompleted);

        h.Clock.Advance(TimeSpan.FromTicks(1));

        await dispose.Safe();
        await server.ClientDisconnected.Safe();
        await h.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_does_not_wait_for_the_answer_to_a_server_close_the_socket_cannot_take()
    {
        var h = new Harness(o => o with { CloseTimeout = TimeSpan.FromSeconds(30) });
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var reconnecting = h.NextState(ConnectionState.Reconnecting); // before the close, which may be answered at once
        _ = server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "restarting");
        await reconnecting.Safe();
        await server.ClientWriteBlocked.Safe(); // the client's answer waits on the socket, for up to CloseTimeout
        var before = h.Clock.GetUtcNow();

        await h.Connection.DisposeAsync().Safe();

        Assert.Equal(before, h.Clock.GetUtcNow());
        await server.ClientDisconnected.Safe();
        Assert.Equal(CloseReason.Disposed, h.States.Values[^1].CloseReason);
        await h.DisposeAsync();
    }

    [Fact]
    public async Task StopAsync_lets_the_answer_to_a_server_close_finish_within_CloseTimeout()
    {
        var closeTimeout = TimeSpan.FromSeconds(30);
        await using var h = new Harness(o => o with { CloseTimeout = closeTimeout });
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var reconnecting = h.NextState(ConnectionState.Reconnecting); // before the close, which may be answered at once
        _ = server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "restarting");
        await reconnecting.Safe();
        await server.ClientWriteBlocked.Safe();

        var stop = h.Connection.StopAsync();
        await h.Clock.WaitForTimerAsync(d => d == closeTimeout).Safe();
        Assert.False(stop.IsCompleted);
        h.Clock.Advance(closeTimeout);

        await stop.Safe();
        await server.ClientDisconnected.Safe();
    }

    [Fact]
    public async Task DisposeAsync_sends_its_close_frame_without_waiting_for_the_answer()
    {
        var h = new Harness();
        var server = await h.StartAndAcceptAsync();

        await h.Connection.DisposeAsync().Safe();

        Assert.Equal((WebSocketCloseStatus.NormalClosure, "disposed"), await server.ClientClosed.Safe());
        await h.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_in_every_state_completes_every_stream_and_never_calls_OnError()
    {
        foreach (var state in new[] { ConnectionState.Disconnected, ConnectionState.Connecting, ConnectionState.Connected, ConnectionState.Reconnecting, ConnectionState.Closed })
        {
            var h = new Harness();
            var observer = Substitute.For<IObserver<StateChange>>();
            var errors = Substitute.For<IObserver<RealtimeError>>();
            using var s1 = h.Connection.StateChanges.Subscribe(observer);
            using var s2 = h.Connection.Errors.Subscribe(errors);
            switch (state)
            {
                case ConnectionState.Connecting:
                    h.Server.EnqueueHandshake(Handshake.Hang);
                    h.Connection.Start();
                    await h.Server.WaitForRequestCountAsync(1).Safe();
                    break;
                case ConnectionState.Connected:
                    await h.StartAndAcceptAsync();
                    break;
                case ConnectionState.Reconnecting:
                    h.Server.EnqueueHandshake(Handshake.Fail());
                    var reconnecting = h.NextState(ConnectionState.Reconnecting);
                    h.Connection.Start();
                    await reconnecting.Safe();
                    break;
                case ConnectionState.Closed:
                    await h.StartAndAcceptAsync();
                    await h.Connection.StopAsync().Safe();
                    break;
            }

            Assert.Equal(state, h.Connection.State);
            await h.Connection.DisposeAsync().Safe();

            Assert.Equal(ConnectionState.Closed, h.Connection.State);
            observer.Received(1).OnCompleted();
            errors.Received(1).OnCompleted();
            observer.DidNotReceive().OnError(Arg.Any<Exception>());
            errors.DidNotReceive().OnError(Arg.Any<Exception>());
            observer.Received(1).OnNext(Arg.Is<StateChange>(c => c.Current == ConnectionState.Closed));
            await h.DisposeAsync();
        }
    }
}
