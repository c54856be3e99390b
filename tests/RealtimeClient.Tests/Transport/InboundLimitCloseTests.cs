using System.Net.WebSockets;
using System.Text;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Transport;

/// <summary>
/// Issue 11, item 12: after an inbound message over the limit the client closes with 1009, then keeps reading (and
/// discarding) until the server's close or the drain bound, so the server learns why instead of seeing a dropped connection.
/// </summary>
public sealed class InboundLimitCloseTests
{
    private const int Limit = 1024;

    private static Harness NewHarness(TimeSpan? closeTimeout = null) =>
        new(o => o with { MaxInboundMessageSize = Limit, ReceiveBufferSize = 256, CloseTimeout = closeTimeout ?? o.CloseTimeout });

    [Fact]
    public async Task A_message_over_the_limit_closes_with_1009_and_the_server_receives_it()
    {
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        await server.SendTextAsync(new string('x', Limit + 1));

        var (status, description) = await server.ClientClosed.Safe();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        Assert.Equal("message too big", description);
        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(ConnectionState.Reconnecting, reconnecting.Current);
        Assert.Equal(DisconnectKind.MessageTooLarge, reconnecting.Disconnect?.Kind);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, reconnecting.Disconnect?.CloseStatus);
        Assert.Empty(messages.Values);
        Assert.Empty(h.Errors.Values);

        await h.AdvanceByRetryDelayAsync(reconnecting);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
    }

    [Fact]
    public async Task A_message_exactly_at_the_limit_is_delivered()
    {
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        var text = new string('y', Limit);

        await server.SendTextAsync(text);

        Assert.Equal(text, (await messages.FirstAsync(_ => true)).Text);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Fact]
    public async Task A_message_being_written_when_the_limit_is_passed_is_not_aborted_and_the_1009_follows_it()
    {
        // The interleaving of a flaky interop run on a loaded machine: the control that asked for the big message was still
        // "being written" (its writer preempted just after the write) when the big message arrived. The teardown aborted
        // that write, and with it the 1009 waiting behind it: the server saw the connection drop without a close (1006).
        // Here the write is held by the transport, so the teardown always meets it under way.
        var closeTimeout = TimeSpan.FromSeconds(10); // the teardown's wait for the write; the drain bound stays 2 s
        await using var h = NewHarness(closeTimeout);
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var send = h.Connection.SendTextAsync("asked for the big one").AsTask();
        await server.ClientWriteBlocked.Safe();

        await server.SendTextAsync(new string('x', Limit + 1));

        // The teardown waits for the write (bounded by the close timeout) instead of aborting the socket under it.
        var teardownWaits = h.Clock.WaitForTimerAsync(d => d == closeTimeout);
        var first = await Task.WhenAny(teardownWaits, server.ClientDisconnected).Safe();
        Assert.True(first == teardownWaits, "the teardown aborted the socket under the write, and the 1009 behind it with it");
        Assert.False(server.IsClientDisconnected);
        Assert.False(send.IsCompleted);

        server.ReleaseClientWrites();

        await send.Safe();
        Assert.Equal("asked for the big one", (await server.ReceiveAsync().Safe()).Text);
        var (status, description) = await server.ClientClosed.Safe();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        Assert.Equal("message too big", description);
        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(DisconnectKind.MessageTooLarge, reconnecting.Disconnect?.Kind);
        Assert.Empty(h.Errors.Values);
    }

    [Fact]
    public async Task A_message_write_that_never_finishes_is_aborted_at_the_drain_bound_after_1009()
    {
        // The wait for a write under way is bounded by the session: past its drain bound it aborts the socket.
        await using var h = NewHarness(TimeSpan.FromSeconds(10));
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var send = h.Connection.SendTextAsync("never gets out").AsTask();
        await server.ClientWriteBlocked.Safe();
        await server.SendTextAsync(new string('x', Limit + 1));
        await h.Clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(10)).Safe();
        await h.Clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(2)).Safe();

        h.Clock.Advance(TimeSpan.FromSeconds(2));

        await server.ClientDisconnected.Safe();
        var reconnecting = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(DisconnectKind.MessageTooLarge, reconnecting.Disconnect?.Kind);
        await Assert.ThrowsAsync<MessageDeliveryException>(() => send.Safe());
    }

    [Fact]
    public async Task After_its_1009_the_client_keeps_reading_and_discarding_until_the_servers_close()
    {
        // The server keeps talking after the oversized message; the client must not abort while data is unread.
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        server.GoSilent(); // the server does not read the client's close yet

        await server.SendFragmentsAsync(WebSocketMessageType.Binary, new byte[Limit], new byte[Limit], new byte[Limit]);
        for (var i = 0; i < 5; i++)
        {
            await server.SendTextAsync($"after the big one {i}");
        }

        await h.States.FirstAsync(s => s.Disconnect?.Kind == DisconnectKind.MessageTooLarge);
        await h.Clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(2)).Safe(); // the drain bound, min(CloseTimeout, 2 s)
        Assert.False(server.IsClientDisconnected); // still reading what the server sent, not aborted

        // The server's close frame goes out; its own wait for the client's answer cannot end (it reads nothing), so it is not awaited.
        _ = server.CloseAsync(WebSocketCloseStatus.MessageTooBig, "ok, too big");
        await server.ClientDisconnected.Safe(); // the server's close ended the drain, before the bound
        Assert.DoesNotContain(messages.Values, m => m.Text?.StartsWith("after the big one", StringComparison.Ordinal) == true);
        Assert.Equal(ConnectionState.Reconnecting, h.Connection.State);
    }

    [Fact]
    public async Task The_drain_after_1009_is_bounded_when_the_server_never_closes()
    {
        await using var h = NewHarness(closeTimeout: TimeSpan.FromSeconds(10));
        var server = await h.StartAndAcceptAsync();
        server.GoSilent();

        await server.SendTextAsync(new string('z', Limit * 2));
        await server.SendTextAsync("more");

        await h.States.FirstAsync(s => s.Disconnect?.Kind == DisconnectKind.MessageTooLarge);
        await h.Clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(2)).Safe();
        h.Clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        Assert.False(server.IsClientDisconnected);

        h.Clock.Advance(TimeSpan.FromTicks(1));

        await server.ClientDisconnected.Safe();
    }

    [Fact]
    public async Task The_drain_bound_is_the_close_timeout_when_that_is_shorter()
    {
        var closeTimeout = TimeSpan.FromMilliseconds(500);
        await using var h = NewHarness(closeTimeout);
        var server = await h.StartAndAcceptAsync();
        server.GoSilent();

        await server.SendTextAsync(new string('z', Limit * 2));

        await h.Clock.WaitForTimerAsync(d => d == closeTimeout).Safe();
        Assert.False(server.IsClientDisconnected);
        h.Clock.Advance(closeTimeout);
        await server.ClientDisconnected.Safe();
    }

    [Fact]
    public async Task Messages_before_the_oversized_one_are_delivered_and_the_connection_comes_back()
    {
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        await server.SendTextAsync("first");
        await server.SendBinaryAsync(Encoding.UTF8.GetBytes(new string('b', Limit + 10)));

        Assert.Equal("first", (await messages.FirstAsync(_ => true)).Text);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, (await server.ClientClosed.Safe()).Status);
        var fresh = await h.ReconnectAsync();
        await fresh.SendTextAsync("second");
        await messages.FirstAsync(m => m.Text == "second");
        Assert.Single(messages.Values, m => m.Text == "first");
    }
}
