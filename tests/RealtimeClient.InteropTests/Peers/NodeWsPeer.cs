using Xunit.Abstractions;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>The Node.js <c>ws</c> 8.x peer (tests/interop/node, pinned by its package-lock.json).</summary>
public sealed class NodeWsPeer(IMessageSink diagnostics) : ProcessPeer(diagnostics)
{
    public const string Collection = "node-ws";

    public override string Name => Collection;

    public override IReadOnlyDictionary<PeerCapability, string> Limitations { get; } = new Dictionary<PeerCapability, string>
    {
        [PeerCapability.Tls] = "no TLS endpoint: TLS is tested through the nginx peer",
        [PeerCapability.ProxyReadTimeout] = "no proxy in front: the nginx peer has one",
    };

    protected override string Program => "node";

    protected override IReadOnlyList<string> ProgramArguments => [Path.Combine(InteropPaths.NodeDirectory, "server.js")];

    protected override string? WorkingDirectory => InteropPaths.NodeDirectory;

    protected override Task<IReadOnlyList<string>> FindMissingAsync() => PeerPrerequisites.MissingForNodeAsync();
}
