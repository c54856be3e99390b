using System.Net.WebSockets;
using System.Text;

namespace RealtimeClient.Tests.Core;

/// <summary>Inbound assembly, the size limit and invalid UTF-8.</summary>
public class InboundMessageTests
{
    [Fact]
    public async Task Fragmented_text_is_assembled_intact_even_when_a_character_is_split_across_fragments()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        const string text = "héllo wörld — ☃ 𝄞 fragments";
        var bytes = Encoding.UTF8.GetBytes(text);

        // Split inside multi-byte sequences: after the first byte of 'é' and inside the 4-byte clef.
        var clef = Array.IndexOf(bytes, (byte)0xF0);
        await server.SendFragmentsAsync(WebSocketMessageType.Text, bytes[..2], bytes[2..(clef + 2)], bytes[(clef + 2)..]).Safe();

        var message = await messages.FirstAsync(_ => true);
        Assert.Equal(MessageKind.Text, message.Kind);
        Assert.Equal(text, message.Text);
    }

    [Fact]
    public async Task Fragmented_binary_larger_than_the_receive_buffer_is_assembled_intact()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        var bytes = new byte[(3 * h.Options.ReceiveBufferSize) + 123];
        new Random(42).NextBytes(bytes);

        await server.SendFragmentsAsync(WebSocketMessageType.Binary, bytes[..1000], bytes[1000..9000], [], bytes[9000..]).Safe();
        await server.SendTextAsync("next").Safe();

        var all = await messages.FirstAsync(m => m.Kind == MessageKind.Text);
        var values = messages.Values;
        Assert.Equal(2, values.Count);
        Assert.Equal(MessageKind.Binary, values[0].Kind);
        Assert.Equal(bytes, values[0].Data.ToArray());
        Assert.Equal("next", all.Text);
    }

    [Fact]
    public async Task A_message_exactly_at_the_limit_is_delivered()
    {
        await using var h = new Harness(o => o with { MaxInboundMessageSize = 8192, ReceiveBufferSize = 1024 });
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        var bytes = new byte[8192];
        new Random(7).NextBytes(bytes);

        await server.SendBinaryAsync(bytes).Safe();
        var message = await messages.FirstAsync(_ => true);

        Assert.Equal(bytes, message.Data.ToArray());
        Assert.Equal(ConnectionState.Connected, h.Connection.State);

        // Also at the limit in fragments, the last one empty.
        var text = new string('x', 8192);
        await server.SendFragmentsAsync(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text[..5000]), Encoding.UTF8.GetBytes(text[5000..]), []).Safe();
        var second = await messages.FirstAsync(m => m.Kind == MessageKind.Text);
        Assert.Equal(text, second.Text);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.DoesNotContain(h.States.Values, s => s.Disconnect is not null);
        Assert.Single(h.Server.Connections);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_message_over_the_limit_closes_with_1009_is_a_MessageTooLarge_disconnect_and_reconnects(bool fragmented)
    {
        await using var h = new Harness(o => o with { MaxInboundMessageSize = 8192, ReceiveBufferSize = 1024 });
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        var reconnecting = h.NextState(ConnectionState.Reconnecting);
        var bytes = new byte[8193];

        if (fragmented)
        {
            await server.SendFragmentsAsync(WebSocketMessageType.Binary, bytes[..4096], bytes[4096..8192], bytes[8192..]).Safe();
        }
        else
        {
            await server.SendBinaryAsync(bytes).Safe();
        }

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, (await server.ClientClosed.Safe()).Status);
        var change = await reconnecting;
        Assert.Equal(DisconnectKind.MessageTooLarge, change.Disconnect!.Kind);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, change.Disconnect.CloseStatus);
        Assert.Contains("too large", change.Disconnect.Cause, StringComparison.Ordinal);
        Assert.Empty(messages.Values);
        Assert.Empty(h.Errors.Values); // a state change, not an error event

        var again = await h.ReconnectAsync();
        await again.SendTextAsync("small").Safe();
        Assert.Equal("small", (await messages.FirstAsync(_ => true)).Text);
    }

    [Fact]
    public async Task The_1009_close_frame_reaches_the_server_even_when_its_write_has_to_wait()
    {
        // The session ends before it writes its close frame; the outbound channel, detaching from it, must not abort the
        // socket under that close frame as it would under a data write.
        await using var h = new Harness(o => o with { MaxInboundMessageSize = 8192, ReceiveBufferSize = 1024 });
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();

        await server.SendBinaryAsync(new byte[8193]).Safe();
        await server.ClientWriteBlocked.Safe(); // the close frame waits in the socket
        server.ReleaseClientWrites();

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, (await server.ClientClosed.Safe()).Status);
        Assert.Equal(DisconnectKind.MessageTooLarge, (await h.States.FirstAsync(s => s.Current == ConnectionState.Reconnecting)).Disconnect!.Kind);
    }

    [Fact]
    public async Task A_1009_close_frame_that_cannot_be_written_is_given_up_after_the_drain_bound_and_the_connection_comes_back()
    {
        await using var h = new Harness(o => o with { MaxInboundMessageSize = 8192, ReceiveBufferSize = 1024 });
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites(); // for good: the server never reads again

        await server.SendBinaryAsync(new byte[8193]).Safe();
        await server.ClientWriteBlocked.Safe();

        // The backoff and the drain bound run side by side: both timers exist before the clock moves past both.
        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        var delay = reconnecting.RetryDelay!.Value;
        var drainBound = TimeSpan.FromSeconds(2); // min(CloseTimeout, 2 s)
        await h.Clock.WaitForTimerAsync(d => d == delay).Safe();
        await h.Clock.WaitForTimerAsync(d => d == drainBound).Safe();
        var connected = h.NextState(ConnectionState.Connected);
        h.Clock.Advance(delay > drainBound ? delay : drainBound);

        Assert.Equal((null, null), await server.ClientClosed.Safe()); // aborted: the close frame never went out
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        var again = await h.Server.AcceptAsync().Safe();
        await connected.Safe();
        await again.SendTextAsync("back").Safe();
        Assert.Equal("back", (await messages.FirstAsync(_ => true)).Text);
    }

    [Fact]
    public async Task Invalid_utf8_closes_with_1007_is_an_InvalidMessage_disconnect_with_its_cause_and_the_connection_reconnects()
    {
        // The event is process-wide and the GC below also finalises tasks abandoned by other tests running in parallel,
        // so everything is collected here and only what comes from this test's invalid UTF-8 is asserted on below.
        var unobserved = new List<Exception>();
        EventHandler<UnobservedTaskExceptionEventArgs> handler = (_, e) =>
        {
            lock (unobserved)
            {
                unobserved.AddRange(e.Exception.Flatten().InnerExceptions);
            }
        };
        Exception? cause = null;
        TaskScheduler.UnobservedTaskException += handler;
        try
        {
            await using (var h = new Harness())
            {
                var server = await h.StartAndAcceptAsync();
                using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
                var reconnecting = h.NextState(ConnectionState.Reconnecting);

                await server.SendRawTextBytesAsync([(byte)'o', (byte)'k', 0xC3, 0x28, 0xFF]).Safe();

                Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, (await server.ClientClosed.Safe()).Status);
                var change = await reconnecting;
                Assert.Equal(DisconnectKind.InvalidMessage, change.Disconnect!.Kind);
                Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, change.Disconnect.CloseStatus);
                cause = change.Disconnect.Exception;
                Assert.IsAssignableFrom<WebSocketException>(cause);
                Assert.Empty(messages.Values);
                Assert.Empty(h.Errors.Values);

                var again = await h.ReconnectAsync();
                await again.SendTextAsync("valid").Safe();
                Assert.Equal("valid", (await messages.FirstAsync(_ => true)).Text);
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= handler;
        }

        List<Exception> ours;
        lock (unobserved)
        {
            ours = unobserved.Where(x => FromThisTest(x, cause)).ToList();
        }

        Assert.Empty(ours);
    }

    // Whether an unobserved exception is (or wraps) this test's invalid-UTF-8 failure.
    private static bool FromThisTest(Exception? exception, Exception? cause)
    {
        for (var x = exception; x is not null; x = x.InnerException)
        {
            if (ReferenceEquals(x, cause) || x.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
