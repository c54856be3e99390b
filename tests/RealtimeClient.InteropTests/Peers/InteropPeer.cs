using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>
/// A real WebSocket server nobody here wrote, with the controls of tests/interop/README.md, as an xunit collection
/// fixture: started once per test run (in its own temporary folder, on 127.0.0.1), killed by its PID when the run ends.
/// A scenario written once against this class runs against every peer; what a peer cannot do is in
/// <see cref="Limitations"/>.
/// </summary>
public abstract class InteropPeer(IMessageSink diagnostics) : IAsyncLifetime
{
    /// <summary>Every peer closes a larger message with 1009: ws maxPayload, websockets max_size, Kestrel's own check.</summary>
    public const int MaxMessageSize = 1024 * 1024;

    /// <summary>"node-ws", "python-websockets", "kestrel" or "nginx-node".</summary>
    public abstract string Name { get; }

    /// <summary>What the peer runs on, for the matrix's header.</summary>
    public PeerVersions Versions { get; protected set; } = new([]);

    /// <summary>The capabilities this peer lacks, each with the reason (for an n/a cell).</summary>
    public abstract IReadOnlyDictionary<PeerCapability, string> Limitations { get; }

    /// <summary>This run's folder: the log, and whatever else the peer needs (certificates, configuration).</summary>
    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("realtimeclient-interop-").FullName;

    /// <summary>What the peer received and the close codes its clients sent, across kills and restarts.</summary>
    public PeerLog Log => new(LogPath);

    /// <summary>Whether the server is running (false between <see cref="KillAsync"/> and <see cref="StartAsync"/>).</summary>
    public abstract bool IsRunning { get; }

    /// <summary>The last output of the peer's processes, for failure messages.</summary>
    public abstract string Output { get; }

    protected string LogPath => Path.Combine(WorkDirectory, "peer.log");

    /// <summary>The plain port (for nginx: the proxy's ws:// port).</summary>
    protected abstract int WebSocketPort { get; }

    public bool Supports(PeerCapability capability) => !Limitations.ContainsKey(capability);

    /// <summary>ws:// on 127.0.0.1 (for nginx, through the proxy without TLS).</summary>
    public Uri WebSocketUrl(string pathAndQuery = "/") => new($"ws://127.0.0.1:{WebSocketPort}{pathAndQuery}");

    /// <summary>wss:// with a certificate from the run's private CA; null on a peer without TLS.</summary>
    public virtual Uri? SecureUrl(string pathAndQuery = "/") => null;

    /// <summary>wss:// with a self-signed certificate; null on a peer without TLS.</summary>
    public virtual Uri? SelfSignedUrl(string pathAndQuery = "/") => null;

    /// <summary>The address scenarios use: wss:// where the peer has it (with <see cref="ConfigureClient"/>), else ws://.</summary>
    public Uri Url(string pathAndQuery = "/") => SecureUrl(pathAndQuery) ?? WebSocketUrl(pathAndQuery);

    /// <summary>The private CA that signed <see cref="SecureUrl"/>'s certificate; null on a peer without TLS.</summary>
    public virtual X509Certificate2? CertificateAuthority => null;

    /// <summary>The certificate of <see cref="SelfSignedUrl"/>, to pin; null on a peer without TLS.</summary>
    public virtual X509Certificate2? SelfSignedCertificate => null;

    /// <summary>What a client needs to reach <see cref="Url"/>: for nginx, trust in the run's private CA; else nothing.</summary>
    public virtual void ConfigureClient(ClientWebSocketOptions options)
    {
    }

    /// <summary>Kills the server by its PID, without a goodbye to its clients (nginx: the Node server behind the proxy).</summary>
    public abstract Task KillAsync();

    /// <summary>Starts the server again after <see cref="KillAsync"/>, on the same port, with the same log.</summary>
    public abstract Task StartAsync();

    public async Task RestartAsync()
    {
        await KillAsync();
        await StartAsync();
    }

    public async Task InitializeAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await InitializePeerAsync();
        }
        catch (Exception e)
        {
            Matrix.MatrixPeers.FailedToStart(this, e);
            throw;
        }

        Matrix.MatrixPeers.Started(this);
        diagnostics.OnMessage(new DiagnosticMessage(
            $"interop peer {Name}: {Versions} at {Url()} (started in {started.ElapsedMilliseconds} ms, folder {WorkDirectory})"));
    }

    public async Task DisposeAsync()
    {
        await DisposePeerAsync();
        if (Output.Contains("[stderr]", StringComparison.Ordinal))
        {
            diagnostics.OnMessage(new DiagnosticMessage($"interop peer {Name} wrote to stderr; its last output:{Environment.NewLine}{Output}"));
        }

        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException e)
        {
            diagnostics.OnMessage(new DiagnosticMessage($"interop peer {Name}: {WorkDirectory} not deleted: {e.Message}"));
        }
    }

    /// <summary>Checks (and installs) what the peer needs, then starts it.</summary>
    protected abstract Task InitializePeerAsync();

    /// <summary>Kills every process of the peer by its PID.</summary>
    protected abstract Task DisposePeerAsync();

    public override string ToString() => Name;
}
