using Xunit.Abstractions;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>A peer that is one server process (<see cref="PeerServer"/>).</summary>
public abstract class ProcessPeer(IMessageSink diagnostics) : InteropPeer(diagnostics)
{
    private PeerServer? _server;

    public override bool IsRunning => Server.IsRunning;

    public override string Output => _server?.Output ?? "";

    protected override int WebSocketPort => Server.Port;

    /// <summary>The program to run (node, Debian's python3, dotnet).</summary>
    protected abstract string Program { get; }

    /// <summary>The arguments before the common ones (the script or the dll).</summary>
    protected abstract IReadOnlyList<string> ProgramArguments { get; }

    protected virtual string? WorkingDirectory => null;

    private PeerServer Server => _server ?? throw new InvalidOperationException($"{Name} was not started");

    public override Task KillAsync() => Server.KillAsync();

    public override Task StartAsync() => Server.StartAsync();

    /// <summary>What is missing on this machine for the peer to run; empty when nothing is.</summary>
    protected abstract Task<IReadOnlyList<string>> FindMissingAsync();

    protected override async Task InitializePeerAsync()
    {
        await PeerPrerequisites.EnsureAsync(Name, FindMissingAsync);
        _server = new PeerServer(Name, Program, ProgramArguments, LogPath, WorkingDirectory);
        await _server.StartAsync();
        Versions = _server.Versions;
    }

    protected override Task DisposePeerAsync() => _server?.KillAsync() ?? Task.CompletedTask;
}
