using System.Collections.Concurrent;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.Matrix;

/// <summary>What the matrix says about one peer: its versions (or why it did not start) and what it cannot do.</summary>
internal sealed record PeerSummary(string Name, string Versions, IReadOnlyDictionary<PeerCapability, string> Limitations);

/// <summary>The peers of this test run, as each fixture started (or failed to start): the columns of the matrix.</summary>
internal static class MatrixPeers
{
    private static readonly ConcurrentDictionary<string, PeerSummary> Peers = new(StringComparer.Ordinal);

    public static IReadOnlyCollection<PeerSummary> All => [.. Peers.Values];

    public static void Started(InteropPeer peer) =>
        Peers[peer.Name] = new PeerSummary(peer.Name, peer.Versions.ToString(), peer.Limitations);

    public static void FailedToStart(InteropPeer peer, Exception error) =>
        Peers[peer.Name] = new PeerSummary(peer.Name, $"did not start: {error.Message.Split('\n')[0].Trim()}", peer.Limitations);
}
