using System.Net.WebSockets;
using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.SelfTests;

/// <summary>How connections end: the close control, a close the client starts, abort, silence.</summary>
public abstract partial class PeerControlTests
{
    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1008)]
    [InlineData(1011)]
    [InlineData(4001)]
    public async Task Close_control_closes_with_the_code_and_reason_and_the_peer_records_the_clients_answer(int code)
    {
        await using var client = await RawClient.ConnectAsync(peer);
        await client.SendTextAsync($"ctl:close {code} closing on request");

        var close = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Close, close.Type);
        Assert.Equal(code, (int?)close.CloseStatus);
        Assert.Equal("closing on request", close.CloseDescription);

        // The answer differs from the server's code on purpose: the record must be what the client sent.
        using (var timeout = new CancellationTokenSource(RawClient.Timeout))
        {
            await client.Socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "client answer", timeout.Token);
        }

        var record = await peer.Log.WaitForAsync(client.Tag, e => e.Event == "close");
        Assert.Equal(1008, record.Code);
        Assert.Equal("client answer", record.Reason);
    }

    [Theory]
    [InlineData(WebSocketCloseStatus.NormalClosure)]
    [InlineData(WebSocketCloseStatus.MessageTooBig)]
    public async Task A_close_the_client_starts_completes_and_the_peer_records_its_code_and_reason(WebSocketCloseStatus status)
    {
        await using var client = await RawClient.ConnectAsync(peer);
        await client.CloseAsync(status, "client closes");

        Assert.Equal(WebSocketState.Closed, client.Socket.State);
        Assert.Equal(status, client.Socket.CloseStatus);
        var record = await peer.Log.WaitForAsync(client.Tag, e => e.Event == "close");
        Assert.Equal((int)status, record.Code);
        Assert.Equal("client closes", record.Reason);
    }

    [Fact]
    public async Task Abort_control_drops_the_connection_without_a_close_frame()
    {
        await using var client = await RawClient.ConnectAsync(peer);
        await client.SendTextAsync("ctl:abort");

        var error = await Assert.ThrowsAsync<WebSocketException>(client.ReceiveAsync);
        Assert.Equal(WebSocketState.Aborted, client.Socket.State);
        Assert.Null(client.Socket.CloseStatus);
        var reset = ExceptionChain.Of(error).OfType<System.Net.Sockets.SocketException>().Any(e => e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset);
        Assert.True(
            reset == peer.Supports(PeerCapability.AbortWithReset),
            $"reset seen: {reset}; the peer {(peer.Supports(PeerCapability.AbortWithReset) ? "should reset" : "closes with a FIN")}: {error}");

        var record = await peer.Log.WaitForAsync(client.Tag, e => e.Event == "close");
        Assert.Equal(1006, record.Code);
    }

    [Fact]
    public async Task Silence_control_stops_echoes_and_pongs_while_the_socket_stays_open()
    {
        await using var client = await RawClient.ConnectAsync(peer, configure: o =>
        {
            o.KeepAliveInterval = TimeSpan.FromMilliseconds(250);
            o.KeepAliveTimeout = TimeSpan.FromSeconds(2);
        });

        // Pings are answered while the peer reads (the echo waits more than a keep-alive timeout's worth of pings).
        await client.SendTextAsync("ctl:send-text 3");
        Assert.Equal("abc", (await client.ReceiveAsync()).Text);

        await client.SendTextAsync("ctl:silence");
        await client.SendTextAsync("no echo for this");

        // The client gives up for want of a pong (ClientWebSocket aborts and throws "Aborted" with the cause inside):
        // no close frame and no end of the TCP stream came from the peer first.
        var error = await Assert.ThrowsAsync<OperationCanceledException>(client.ReceiveAsync);
        Assert.Contains(ExceptionChain.Of(error), e => e is WebSocketException && e.Message.Contains("KeepAliveTimeout", StringComparison.Ordinal));
        Assert.Null(client.Socket.CloseStatus);
        Assert.DoesNotContain(peer.Log.ForTag(client.Tag), e => e.Event == "text");
    }
}
