using Xunit.Abstractions;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>The Python <c>websockets</c> peer, on Debian's python3 and python3-websockets (tests/interop/python).</summary>
public sealed class PythonPeer(IMessageSink diagnostics) : ProcessPeer(diagnostics)
{
    public const string Collection = "python-websockets";

    /// <summary>Debian's interpreter, the one python3-websockets installs for (python3 on PATH may be another one).</summary>
    public const string Interpreter = "/usr/bin/python3";

    public override string Name => Collection;

    public override IReadOnlyDictionary<PeerCapability, string> Limitations { get; } = new Dictionary<PeerCapability, string>
    {
        [PeerCapability.Tls] = "no TLS endpoint: TLS is tested through the nginx peer",
        [PeerCapability.ProxyReadTimeout] = "no proxy in front: the nginx peer has one",
    };

    protected override string Program => Interpreter;

    protected override IReadOnlyList<string> ProgramArguments => ["-u", InteropPaths.PythonServer];

    protected override Task<IReadOnlyList<string>> FindMissingAsync() => PeerPrerequisites.MissingForPythonAsync();
}
