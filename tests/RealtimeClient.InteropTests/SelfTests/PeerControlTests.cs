using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.SelfTests;

/// <summary>
/// Self-tests: every control of tests/interop/README.md on every peer, through a bare <see cref="ClientWebSocket"/>
/// (not the library). They prove the peers before any scenario relies on them. Written once; PeerControlTestsPerPeer.cs
/// runs them against each peer.
/// </summary>
public abstract partial class PeerControlTests(InteropPeer peer)
{
    [Fact]
    public void The_peer_reports_the_version_of_everything_it_runs_on()
    {
        Assert.True(peer.Versions.Components.Count >= 2, $"{peer.Name}: {peer.Versions}");
        Assert.All(peer.Versions.Components, c => Assert.Matches(@"^\d+\.\d+(\.\d+)?$", c.Value));
    }
}
