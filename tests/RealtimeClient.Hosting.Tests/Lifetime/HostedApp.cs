using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using RealtimeClient.Testing;

namespace RealtimeClient.Hosting.Tests.Lifetime;

/// <summary>
/// A host with one default connection to an in-memory server on a virtual clock, with fake logging; its state changes
/// are recorded. <paramref name="configure"/> adjusts the registration (the hosted lifetime, say).
/// </summary>
internal sealed class HostedApp : IAsyncDisposable
{
    public static readonly Uri Address = new("ws://server.test/ws");

    public HostedApp(Action<RealtimeConnectionBuilder>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.Services.AddFakeLogging();
        var connection = builder.Services.AddRealtimeConnection(new RealtimeOptions
        {
            Uri = Address,
            Connector = Server,
            Reconnect = new ReconnectOptions { RetryWhenNetworkReturns = false },
        });
        configure?.Invoke(connection);
        services?.Invoke(builder.Services);
        Host = builder.Build();
        Connection = Host.Services.GetRequiredService<IRealtimeConnection>();
        States = new Recorder<StateChange>(Connection.StateChanges);
    }

    public InMemoryWebSocketServer Server { get; } = new();

    public VirtualClock Clock { get; } = new();

    public IHost Host { get; }

    public IRealtimeConnection Connection { get; }

    public Recorder<StateChange> States { get; }

    public FakeLogCollector Logs => Host.Services.GetFakeLogCollector();

    /// <summary>Starts the host and returns the server side of the connection once connected.</summary>
    public async Task<FakeServerConnection> StartAndAcceptAsync()
    {
        await Host.StartAsync().Safe();
        var server = await Server.AcceptAsync().Safe();
        await States.FirstAsync(s => s.Current == ConnectionState.Connected).Safe();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        States.Dispose();
        if (Host is IAsyncDisposable host)
        {
            await host.DisposeAsync().Safe();
        }

        await Server.DisposeAsync();
    }
}
