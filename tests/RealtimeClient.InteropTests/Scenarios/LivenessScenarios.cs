using System.Net.WebSockets;
using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Matrix;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.Scenarios;

/// <summary>
/// Dead-connection detection against a server that goes silent (<c>ctl:silence</c>: it stops reading, so it answers no
/// ping and echoes nothing, while its socket stays open): by protocol pings, with and without a custom
/// <see cref="RealtimeOptions.Transport"/> (issue 11 item 9: the heartbeat still sets the keep-alive), and by an
/// application heartbeat.
/// </summary>
[ScenarioGroup("Liveness", 6, Requires = [PeerCapability.SilentSocketStaysOpen])]
public abstract class LivenessScenarios(InteropPeer peer)
{
    /// <summary>
    /// Pings every 500 ms, a pong due within 2.5 s: quick to detect, yet far above the stalls of a loaded CI machine (a
    /// thread of the test host waits up to about half a second for a core when the load is ten times the cores).
    /// </summary>
    private static readonly HeartbeatOptions Quick = new() { Interval = TimeSpan.FromMilliseconds(500), Timeout = TimeSpan.FromSeconds(3) };

    [Fact]
    public async Task A_server_that_stops_answering_pings_is_reported_once_as_a_heartbeat_timeout_and_reconnected()
    {
        await using var client = await PeerConnection.ConnectAsync(peer, o => o with { Heartbeat = Quick });
        await AssertSilenceDetectedAsync(client);
    }

    [Fact]
    public async Task A_server_that_stops_answering_pings_is_detected_with_a_custom_Transport_too()
    {
        await using var client = await PeerConnection.ConnectAsync(peer, o => o with
        {
            Heartbeat = Quick,
            Transport = o.Transport with
            {
                Deflate = new WebSocketDeflateOptions(),
                Configure = options => options.SetRequestHeader("X-Custom-Transport", "yes"),
            },
        });
        Assert.Equal("yes", (await client.HandshakeAsync()).GetProperty("headers").GetProperty("x-custom-transport").GetString());

        await AssertSilenceDetectedAsync(client);
    }

    [Fact]
    public async Task A_silent_server_stays_connected_while_it_echoes_the_application_heartbeat_and_is_detected_when_it_stops()
    {
        const string beat = """{"type":"heartbeat"}""";
        await using var client = await PeerConnection.ConnectAsync(peer, o => o with
        {
            // Protocol pings off: only the application heartbeat's echo proves the server alive.
            Heartbeat = Quick with { Message = beat },
            Transport = o.Transport with { KeepAliveInterval = TimeSpan.Zero },
        });

        // The server sends nothing of its own; eight echoed beats span more than the timeout (seven intervals of 500 ms).
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(beat, (await client.NextMessageAsync()).Text);
        }

        Assert.Empty(client.Disconnects);
        await AssertSilenceDetectedAsync(client);
    }

    private static async Task AssertSilenceDetectedAsync(PeerConnection client)
    {
        await client.SendTextAsync("ctl:silence");

        var ended = await client.NextDisconnectAsync();
        Assert.Equal(ConnectionState.Reconnecting, ended.Current);
        Assert.Equal(DisconnectKind.HeartbeatTimeout, ended.Disconnect!.Kind);
        await client.NextStateAsync(ConnectionState.Connected);
        Assert.Single(client.Disconnects);
        Assert.Empty(client.Errors.Values);
    }
}
