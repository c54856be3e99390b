using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Matrix;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.Scenarios;

/// <summary>A proxy that cuts a socket on which the server sent nothing for a few seconds (nginx's <c>proxy_read_timeout</c>).</summary>
[ScenarioGroup("Proxy read timeout", 8, Requires = [PeerCapability.ProxyReadTimeout])]
public abstract class ProxyScenarios(InteropPeer peer)
{
    [Fact]
    public async Task An_idle_socket_stays_up_with_the_heartbeat_and_one_without_is_cut_and_reconnects_cleanly()
    {
        // The pings of a 1 s heartbeat bring pongs back through the proxy well within its read timeout.
        await using var kept = await PeerConnection.ConnectAsync(peer, o => o with
        {
            Heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(3) },
        });
        await using var idle = await PeerConnection.ConnectAsync(peer, o => o with { Heartbeat = new HeartbeatOptions { Enabled = false } });

        // The idle one, opened after the kept one, is cut by the proxy (no close frame) and comes back.
        var cut = await idle.NextDisconnectAsync();
        Assert.Equal(ConnectionState.Reconnecting, cut.Current);
        Assert.Equal(DisconnectKind.ConnectionLost, cut.Disconnect!.Kind);
        Assert.Null(cut.Disconnect.CloseStatus);
        await idle.NextStateAsync(ConnectionState.Connected);
        Assert.Equal("back", await idle.EchoAsync("back"));
        Assert.Empty(idle.Errors.Values);

        // The kept one, open longer than the idle one was, never dropped.
        Assert.Equal("still up", await kept.EchoAsync("still up"));
        Assert.Empty(kept.Disconnects);
        Assert.Single(kept.Peer.Log.ForTag(kept.Tag), e => e.Event == "open");
    }
}
