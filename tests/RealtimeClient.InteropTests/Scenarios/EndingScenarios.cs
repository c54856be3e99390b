using System.Net.Sockets;
using System.Net.WebSockets;
using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Matrix;
using RealtimeClient.InteropTests.Peers;
using RealtimeClient.Tests.TestKit;

namespace RealtimeClient.InteropTests.Scenarios;

/// <summary>
/// How a socket ends, and what the connection does about it: a server's close (retried, or closed for good as documented
/// and as configured), the app's stop, a dropped TCP connection, invalid UTF-8 from the server.
/// </summary>
[ScenarioGroup("Endings", 3)]
public abstract class EndingScenarios(InteropPeer peer)
{
    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1011)]
    [InlineData(4001)]
    public async Task A_server_close_with_a_code_worth_retrying_reconnects(int code)
    {
        await using var client = await PeerConnection.ConnectAsync(peer);
        await client.SendTextAsync($"ctl:close {code} going away");

        var ended = await client.NextDisconnectAsync();
        Assert.Equal(ConnectionState.Reconnecting, ended.Current);
        Assert.Equal(DisconnectKind.ServerClosed, ended.Disconnect!.Kind);
        Assert.Equal(code, (int?)ended.Disconnect.CloseStatus);
        Assert.Equal("going away", ended.Disconnect.CloseDescription);

        // The client answered the close handshake with the server's code.
        Assert.Equal(code, (await peer.Log.WaitForAsync(client.Tag, e => e.Event == "close")).Code);
        await client.NextStateAsync(ConnectionState.Connected);
        Assert.Equal("back", await client.EchoAsync("back"));
    }

    [Fact]
    public async Task A_server_close_with_1008_closes_for_good_by_default()
    {
        await using var client = await PeerConnection.ConnectAsync(peer);
        Assert.Equal([1008], client.Options.Reconnect.FatalCloseStatuses);
        await client.SendTextAsync("ctl:close 1008 policy violation");

        var closed = await client.NextDisconnectAsync();
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(CloseReason.FatalCloseStatus, closed.CloseReason);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, closed.Disconnect!.CloseStatus);
        await Assert.ThrowsAsync<MessageDeliveryException>(() => client.Connection.SendTextAsync("after the end").AsTask().Safe());
    }

    [Fact]
    public async Task Close_codes_are_fatal_or_retried_as_configured()
    {
        // 4001 made fatal: closed for good.
        await using (var fatal = await PeerConnection.ConnectAsync(peer, o => o with { Reconnect = o.Reconnect with { FatalCloseStatuses = [4001] } }))
        {
            await fatal.SendTextAsync("ctl:close 4001 banned");
            var closed = await fatal.NextDisconnectAsync();
            Assert.Equal(ConnectionState.Closed, closed.Current);
            Assert.Equal(CloseReason.FatalCloseStatus, closed.CloseReason);
            Assert.Equal(4001, (int?)closed.Disconnect!.CloseStatus);
        }

        // 1008 no longer fatal: retried.
        await using var retried = await PeerConnection.ConnectAsync(peer, o => o with { Reconnect = o.Reconnect with { FatalCloseStatuses = [] } });
        await retried.SendTextAsync("ctl:close 1008 try again");
        var ended = await retried.NextDisconnectAsync();
        Assert.Equal(ConnectionState.Reconnecting, ended.Current);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, ended.Disconnect!.CloseStatus);
        await retried.NextStateAsync(ConnectionState.Connected);
    }

    [Fact]
    public async Task A_close_code_configured_as_token_expired_refreshes_the_token_and_reconnects()
    {
        var requests = new List<TokenRequest>();
        await using var client = await PeerConnection.ConnectAsync(peer, o => o with
        {
            Authentication = new AuthenticationOptions
            {
                TokenProvider = (request, _) =>
                {
                    lock (requests)
                    {
                        requests.Add(request);
                        return ValueTask.FromResult<string?>($"token-{requests.Count}");
                    }
                },
                RefreshTokenOnCloseStatuses = [4001],
            },
        });
        Assert.Equal("Bearer token-1", (await client.HandshakeAsync()).GetProperty("headers").GetProperty("authorization").GetString());

        await client.SendTextAsync("ctl:close 4001 token expired");
        var ended = await client.NextDisconnectAsync();
        Assert.Equal(ConnectionState.Reconnecting, ended.Current);
        Assert.Equal(4001, (int?)ended.Disconnect!.CloseStatus);
        await client.NextStateAsync(ConnectionState.Connected);

        Assert.Equal("Bearer token-2", (await client.HandshakeAsync()).GetProperty("headers").GetProperty("authorization").GetString());
        lock (requests)
        {
            Assert.Equal([TokenRequestReason.FirstConnect, TokenRequestReason.TokenRefused], requests.Select(r => r.Reason));
            Assert.Equal(4001, (int?)requests[1].Refusal?.CloseStatus);
        }
    }

    [Fact]
    public async Task Stop_completes_the_close_handshake_and_the_server_receives_1000()
    {
        await using var client = await PeerConnection.ConnectAsync(peer);
        await client.Connection.StopAsync().Safe();

        Assert.Equal(ConnectionState.Closed, client.Connection.State);
        Assert.Equal(CloseReason.Stopped, (await client.NextStateAsync(ConnectionState.Closed)).CloseReason);
        var close = await peer.Log.WaitForAsync(client.Tag, e => e.Event == "close");
        Assert.Equal(1000, close.Code);
    }

    [Fact]
    public async Task A_dropped_TCP_connection_is_a_lost_connection_and_reconnects()
    {
        await using var client = await PeerConnection.ConnectAsync(peer);
        await client.SendTextAsync("ctl:abort");

        var ended = await client.NextDisconnectAsync();
        Assert.Equal(ConnectionState.Reconnecting, ended.Current);
        Assert.Equal(DisconnectKind.ConnectionLost, ended.Disconnect!.Kind);
        Assert.Null(ended.Disconnect.CloseStatus);
        if (peer.Supports(PeerCapability.AbortWithReset))
        {
            Assert.Equal(SocketError.ConnectionReset, ended.Disconnect.SocketError);
        }

        await client.NextStateAsync(ConnectionState.Connected);
        Assert.Equal("back", await client.EchoAsync("back"));
    }

    [Fact]
    public async Task Invalid_UTF8_from_the_server_ends_the_socket_with_a_1007_the_server_receives_then_reconnects()
    {
        await using var client = await PeerConnection.ConnectAsync(peer);
        await client.SendTextAsync("ctl:send-invalid-utf8");

        var ended = await client.NextDisconnectAsync();
        Assert.Equal(ConnectionState.Reconnecting, ended.Current);
        Assert.Equal(DisconnectKind.InvalidMessage, ended.Disconnect!.Kind);
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, ended.Disconnect.CloseStatus);
        Assert.Equal(1007, (await peer.Log.WaitForAsync(client.Tag, e => e.Event == "close")).Code);

        await client.NextStateAsync(ConnectionState.Connected);
        Assert.Equal("back", await client.EchoAsync("back"));
        Assert.DoesNotContain(client.Messages.Values, m => m.Text?.StartsWith("hi", StringComparison.Ordinal) == true);
    }
}
