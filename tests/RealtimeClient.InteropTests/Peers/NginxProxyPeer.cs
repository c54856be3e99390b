using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using Xunit.Abstractions;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>
/// Debian's nginx as a TLS reverse proxy in front of a Node.js ws peer of its own (tests/interop/nginx): ws:// and
/// wss:// (the run's private CA) and a second wss:// with a self-signed certificate, all proxied to the Node server;
/// <c>proxy_read_timeout</c> 4 s. <see cref="KillAsync"/> and <see cref="StartAsync"/> act on the Node server behind the
/// proxy, as a deploy behind a load balancer does: the proxy keeps running and answers 502 meanwhile.
/// </summary>
public sealed class NginxProxyPeer(IMessageSink diagnostics) : InteropPeer(diagnostics)
{
    public const string Collection = "nginx-node";

    /// <summary>nginx cuts a tunnel on which the server sent nothing for this long.</summary>
    public static readonly TimeSpan ProxyReadTimeout = TimeSpan.FromSeconds(4);

    private const int PortAttempts = 3;
    private PeerServer? _backend;
    private PeerProcess? _nginx;
    private (int Ws, int Wss, int SelfSigned) _ports;

    public override string Name => Collection;

    public override IReadOnlyDictionary<PeerCapability, string> Limitations { get; } = new Dictionary<PeerCapability, string>
    {
        [PeerCapability.AbortWithReset] = "the Node server's RST ends the proxy's upstream connection; nginx then closes the client's side with a FIN",
        [PeerCapability.SilentSocketStaysOpen] = "nginx cuts a tunnel whose server side sends nothing for proxy_read_timeout (4 s)",
    };

    private X509Certificate2? _certificateAuthority;
    private X509Certificate2? _selfSignedCertificate;

    /// <summary>The run's private certificate authority (its key stays in <see cref="InteropPeer.WorkDirectory"/>).</summary>
    public override X509Certificate2 CertificateAuthority => _certificateAuthority ?? throw new InvalidOperationException($"{Name} was not started");

    /// <summary>The certificate of the self-signed endpoint, to pin.</summary>
    public override X509Certificate2 SelfSignedCertificate => _selfSignedCertificate ?? throw new InvalidOperationException($"{Name} was not started");

    public override bool IsRunning => _backend?.IsRunning ?? false;

    public override string Output => $"nginx:{Environment.NewLine}{_nginx?.Output}{Environment.NewLine}node behind nginx:{Environment.NewLine}{_backend?.Output}";

    protected override int WebSocketPort => _ports.Ws;

    private PeerServer Backend => _backend ?? throw new InvalidOperationException($"{Name} was not started");

    public override Uri? SecureUrl(string pathAndQuery = "/") => new($"wss://127.0.0.1:{_ports.Wss}{pathAndQuery}");

    public override Uri? SelfSignedUrl(string pathAndQuery = "/") => new($"wss://127.0.0.1:{_ports.SelfSigned}{pathAndQuery}");

    public override void ConfigureClient(ClientWebSocketOptions options) =>
        options.RemoteCertificateValidationCallback = CertificateTrust.PrivateAuthority(CertificateAuthority);

    public override Task KillAsync() => Backend.KillAsync();

    public override Task StartAsync() => Backend.StartAsync();

    protected override async Task InitializePeerAsync()
    {
        await PeerPrerequisites.EnsureAsync(Name, PeerPrerequisites.MissingForNginxAsync);
        await MakeCertificatesAsync();
        _backend = new PeerServer("node behind nginx", "node", [Path.Combine(InteropPaths.NodeDirectory, "server.js")], LogPath, InteropPaths.NodeDirectory);
        await _backend.StartAsync();

        var nginx = InteropPaths.FindOnPath("nginx")!;
        var (_, version) = await ShortCommand.RunAsync(nginx, ["-v"], TimeSpan.FromSeconds(10));
        Versions = new PeerVersions([KeyValuePair.Create("nginx", version.Trim().Split('/').Last())]).Concat(Backend.Versions);

        // nginx cannot pick its own port: free ones are picked here. Another process may take one in between; then
        // nginx says so and fresh ports are picked (a bounded number of times).
        for (var attempt = 1; ; attempt++)
        {
            var free = FreePorts(3);
            _ports = (free[0], free[1], free[2]);
            await File.WriteAllTextAsync(Path.Combine(WorkDirectory, "nginx.conf"), Configuration());
            _nginx = PeerProcess.Start("nginx", nginx, ["-p", WorkDirectory, "-c", Path.Combine(WorkDirectory, "nginx.conf"), "-e", "stderr"]);
            if (await WaitUntilListeningAsync(_nginx))
            {
                return;
            }

            var output = _nginx.Output;
            await _nginx.DisposeAsync();
            _nginx = null;
            if (!output.Contains("Address already in use", StringComparison.Ordinal) || attempt == PortAttempts)
            {
                throw new InvalidOperationException($"nginx did not start (attempt {attempt}); output:{Environment.NewLine}{output}");
            }
        }
    }

    protected override async Task DisposePeerAsync()
    {
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.KillAsync();
        }

        _certificateAuthority?.Dispose();
        _selfSignedCertificate?.Dispose();
    }

    private async Task MakeCertificatesAsync()
    {
        var script = Path.Combine(InteropPaths.NginxDirectory, "make-certs.sh");
        var (exitCode, output) = await ShortCommand.RunAsync("bash", [script, WorkDirectory], TimeSpan.FromSeconds(30));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"make-certs.sh failed with code {exitCode}:{Environment.NewLine}{output}");
        }

        _certificateAuthority = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(WorkDirectory, "ca.crt"));
        _selfSignedCertificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(WorkDirectory, "self-signed.crt"));
    }

    private string Configuration() => File.ReadAllText(Path.Combine(InteropPaths.NginxDirectory, "nginx.conf.template"))
        .Replace("@DIR@", WorkDirectory, StringComparison.Ordinal)
        .Replace("@BACKEND_PORT@", $"{Backend.Port}", StringComparison.Ordinal)
        .Replace("@WS_PORT@", $"{_ports.Ws}", StringComparison.Ordinal)
        .Replace("@WSS_PORT@", $"{_ports.Wss}", StringComparison.Ordinal)
        .Replace("@SELF_SIGNED_PORT@", $"{_ports.SelfSigned}", StringComparison.Ordinal);

    /// <summary>True once all three ports accept connections; false when nginx exits first. Bounded.</summary>
    private async Task<bool> WaitUntilListeningAsync(PeerProcess nginx)
    {
        using var timeout = new CancellationTokenSource(PeerProcess.StartTimeout);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!nginx.HasExited)
        {
            if (await AcceptsAsync(_ports.Ws) && await AcceptsAsync(_ports.Wss) && await AcceptsAsync(_ports.SelfSigned))
            {
                return true;
            }

            try
            {
                await timer.WaitForNextTickAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                await nginx.KillAsync();
                throw new InvalidOperationException($"nginx did not listen within {PeerProcess.StartTimeout.TotalSeconds:0} s; output:{Environment.NewLine}{nginx.Output}");
            }
        }

        return false;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await probe.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Distinct free ports: each socket stays bound until all are picked.</summary>
    private static int[] FreePorts(int count)
    {
        var sockets = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }

            return [.. sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port)];
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }
}
