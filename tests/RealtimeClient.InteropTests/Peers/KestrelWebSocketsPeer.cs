using Xunit.Abstractions;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>The ASP.NET Core (Kestrel) peer, tests/interop/kestrel, run as its own process: <c>dotnet KestrelPeer.dll</c>.</summary>
public sealed class KestrelWebSocketsPeer(IMessageSink diagnostics) : ProcessPeer(diagnostics)
{
    public const string Collection = "kestrel";

    public override string Name => Collection;

    public override IReadOnlyDictionary<PeerCapability, string> Limitations { get; } = new Dictionary<PeerCapability, string>
    {
        [PeerCapability.Tls] = "no TLS endpoint: TLS is tested through the nginx peer",
        [PeerCapability.ProxyReadTimeout] = "no proxy in front: the nginx peer has one",
    };

    /// <summary>The dotnet host running these tests, so the peer runs on the same runtime.</summary>
    protected override string Program =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    protected override IReadOnlyList<string> ProgramArguments => [InteropPaths.KestrelPeerDll];

    protected override Task<IReadOnlyList<string>> FindMissingAsync() => Task.FromResult<IReadOnlyList<string>>(
        File.Exists(InteropPaths.KestrelPeerDll) ? [] : [$"{InteropPaths.KestrelPeerDll} is missing: build tests/RealtimeClient.InteropTests"]);
}
