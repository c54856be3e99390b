using System.Net.WebSockets;
using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Matrix;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.Scenarios;

/// <summary>
/// <see cref="RealtimeOptions.MaxInboundMessageSize"/> against real servers: a message over it ends the socket with
/// <see cref="DisconnectKind.MessageTooLarge"/>, the server really receives the 1009 (its log says so) and the connection
/// comes back; the limit counts fragments together and the inflated size under permessage-deflate.
/// </summary>
[ScenarioGroup("Inbound size limit", 2)]
public abstract class LimitScenarios(InteropPeer peer)
{
    [Fact]
    public async Task A_message_of_2_MiB_over_the_limit_ends_the_socket_with_MessageTooLarge_and_a_1009_the_server_receives_then_reconnects()
    {
        await using var client = await PeerConnection.ConnectAsync(peer);
        Assert.Equal(1024 * 1024, client.Options.MaxInboundMessageSize);
        await client.SendTextAsync("ctl:send-binary 2097152");

        await AssertClosedAsTooLargeAndReconnectedAsync(client);
    }

    [Fact]
    public async Task Fragments_adding_up_to_more_than_the_limit_end_the_socket_with_MessageTooLarge()
    {
        const int limit = 64 * 1024;
        await using var client = await PeerConnection.ConnectAsync(peer, o => o with { MaxInboundMessageSize = limit });

        // Four frames of 16 KiB make exactly the limit; four of 16 KiB + 1 byte, each far below it, go over.
        await client.SendTextAsync($"ctl:send-text {limit} 4");
        Assert.Equal(limit, PeerConnection.BytesOf(await client.NextMessageAsync()).Length);
        await client.SendTextAsync($"ctl:send-text {limit + 4} 4");

        await AssertClosedAsTooLargeAndReconnectedAsync(client);
    }

    [Fact]
    public async Task Permessage_deflate_is_negotiated_and_the_limit_applies_to_the_inflated_size()
    {
        const int limit = 1024 * 1024;
        await using var client = await PeerConnection.ConnectAsync(peer, o => o with
        {
            Transport = o.Transport with { Deflate = new WebSocketDeflateOptions() },
        });
        var handshake = await client.HandshakeAsync();
        Assert.StartsWith("permessage-deflate", handshake.GetProperty("extensions").GetString());

        // The letters repeat every 26 bytes: a few KiB on the wire, the limit (and then one byte more) once inflated.
        await client.SendTextAsync($"ctl:send-text {limit}");
        var atTheLimit = await client.NextMessageAsync();
        Assert.True(Payloads.Text(limit).AsSpan().SequenceEqual(PeerConnection.BytesOf(atTheLimit)), $"came as {atTheLimit}");
        await client.SendTextAsync($"ctl:send-text {limit + 1}");

        await AssertClosedAsTooLargeAndReconnectedAsync(client);
    }

    private async Task AssertClosedAsTooLargeAndReconnectedAsync(PeerConnection client)
    {
        var ended = await client.NextDisconnectAsync();
        Assert.Equal(ConnectionState.Reconnecting, ended.Current);
        Assert.Equal(DisconnectKind.MessageTooLarge, ended.Disconnect!.Kind);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, ended.Disconnect.CloseStatus);

        // The client's close reached the server before the socket went: the server logged 1009, not 1006.
        var close = await peer.Log.WaitForAsync(client.Tag, e => e.Event == "close");
        Assert.Equal(1009, close.Code);

        await client.NextStateAsync(ConnectionState.Connected);
        Assert.Equal("still working", await client.EchoAsync("still working"));
        Assert.Single(client.Disconnects);
    }
}
