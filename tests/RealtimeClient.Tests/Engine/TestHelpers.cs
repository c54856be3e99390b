using RealtimeClient.Tests.Infrastructure;

namespace RealtimeClient.Tests.Engine;

/// <summary>A connection wired to an in-memory server and a manual clock, disposed together.</summary>
internal sealed class Harness : IAsyncDisposable
{
    public Harness(Func<RealtimeOptions, RealtimeOptions>? configure = null)
    {
        Server = new InMemoryWebSocketServer();
        Time = new ManualTimeProvider();
        var options = new RealtimeOptions { Uri = new Uri("ws://test.invalid/ws"), Connector = Server };
        Options = configure?.Invoke(options) ?? options;
        Connection = new RealtimeConnection(Options, timeProvider: Time);
        States = new Recorder<StateChange>(Connection.StateChanges);
        Errors = new Recorder<RealtimeError>(Connection.Errors);
    }

    public InMemoryWebSocketServer Server { get; }

    public ManualTimeProvider Time { get; }

    public RealtimeOptions Options { get; }

    public RealtimeConnection Connection { get; }

    public Recorder<StateChange> States { get; }

    public Recorder<RealtimeError> Errors { get; }

    public Task<StateChange> NextState(ConnectionState state) => States.NextAsync(s => s.Current == state);

    public static readonly TimeSpan Safety = TimeSpan.FromSeconds(10);

    public async Task<FakeServerConnection> StartAndAcceptAsync()
    {
        var connected = States.NextAsync(s => s.Current == ConnectionState.Connected);
        Connection.Start();
        var server = await Server.AcceptAsync().WaitAsync(Safety);
        await connected;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        States.Dispose();
        Errors.Dispose();
        await Server.DisposeAsync();
    }
}
