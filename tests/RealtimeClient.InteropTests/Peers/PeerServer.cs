namespace RealtimeClient.InteropTests.Peers;

/// <summary>
/// A server process taking the common command line (<c>--port --log --max-message-size</c>): started on a port it picks,
/// killed by its PID, started again on the same port with the same log.
/// </summary>
internal sealed class PeerServer(string name, string program, IReadOnlyList<string> arguments, string logPath, string? workingDirectory)
{
    private PeerProcess? _process;
    private string _previousOutput = "";

    /// <summary>0 until the first start.</summary>
    public int Port { get; private set; }

    public PeerVersions Versions { get; private set; } = new([]);

    public bool IsRunning => _process is { HasExited: false };

    public string Output => _previousOutput + (_process?.Output ?? "");

    public async Task StartAsync()
    {
        if (_process is not null)
        {
            throw new InvalidOperationException($"{name} is already running");
        }

        _process = PeerProcess.Start(name, program, [.. arguments, "--port", $"{Port}", "--log", logPath, "--max-message-size", $"{InteropPeer.MaxMessageSize}"], workingDirectory);
        var (port, versions) = await _process.WaitUntilListeningAsync();
        if (Port != 0 && port != Port)
        {
            throw new InvalidOperationException($"{name} started again on port {port} instead of {Port}");
        }

        Port = port;
        Versions = versions;
    }

    public async Task KillAsync()
    {
        if (_process is null)
        {
            return;
        }

        await _process.DisposeAsync();
        _previousOutput += $"{_process.Output}{Environment.NewLine}(killed){Environment.NewLine}";
        _process = null;
    }
}
