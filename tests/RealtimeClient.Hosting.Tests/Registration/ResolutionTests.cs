using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using RealtimeClient.Testing;

namespace RealtimeClient.Hosting.Tests.Registration;

public sealed class ResolutionTests
{
    private static readonly Uri Address = new("ws://server.test/ws");

    [Fact]
    public async Task The_default_connection_is_one_singleton_as_RealtimeConnection_and_as_IRealtimeConnection()
    {
        var services = new ServiceCollection();
        services.AddRealtimeConnection(new RealtimeOptions { Uri = Address });
        await using var provider = services.BuildServiceProvider();

        var connection = provider.GetRequiredService<RealtimeConnection>();

        Assert.Same(connection, provider.GetRequiredService<IRealtimeConnection>());
        Assert.Same(connection, provider.GetRequiredService<RealtimeConnection>());
    }

    [Fact]
    public async Task Named_connections_are_keyed_services_each_with_its_own_options()
    {
        await using var prices = new InMemoryWebSocketServer();
        await using var orders = new InMemoryWebSocketServer();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new VirtualClock());
        services.AddRealtimeConnection("prices", new RealtimeOptions { Uri = new Uri("ws://prices.test/ws"), Connector = prices });
        services.AddRealtimeConnection("orders", new RealtimeOptions { Uri = new Uri("ws://orders.test/ws"), Connector = orders });
        services.AddSingleton<Trader>();
        await using var provider = services.BuildServiceProvider();

        var trader = provider.GetRequiredService<Trader>();
        Assert.NotSame(trader.Prices, trader.Orders);
        Assert.Same(trader.Prices, provider.GetRequiredKeyedService<RealtimeConnection>("prices"));
        Assert.Same(trader.Orders, provider.GetRequiredKeyedService<RealtimeConnection>("orders"));
        Assert.Null(provider.GetService<IRealtimeConnection>()); // no default connection was registered

        trader.Prices.Start();
        trader.Orders.Start();
        Assert.Equal("prices.test", (await prices.AcceptAsync().Safe()).Request.Uri.Host);
        Assert.Equal("orders.test", (await orders.AcceptAsync().Safe()).Request.Uri.Host);
    }

    [Fact]
    public async Task The_connection_uses_the_containers_clock_and_logging()
    {
        await using var server = new InMemoryWebSocketServer();
        var clock = new VirtualClock();
        var services = new ServiceCollection();
        var logs = Substitute.For<ILoggerProvider>();
        logs.CreateLogger(Arg.Any<string>()).Returns(NullLogger.Instance);
        services.AddSingleton<TimeProvider>(clock);
        services.AddLogging(logging => logging.AddProvider(logs));
        services.AddRealtimeConnection(new RealtimeOptions { Uri = Address, Connector = server });
        await using var provider = services.BuildServiceProvider();
        var connection = provider.GetRequiredService<IRealtimeConnection>();
        using var states = new Recorder<StateChange>(connection.StateChanges);

        connection.Start();
        await server.AcceptAsync().Safe();
        var connected = await states.FirstAsync(s => s.Current == ConnectionState.Connected).Safe();

        Assert.Equal(clock.GetUtcNow(), connected.Timestamp);
        logs.Received().CreateLogger("RealtimeClient.RealtimeConnection"); // the container's logger factory
    }

    [Fact]
    public async Task Without_a_registered_clock_the_connection_uses_the_system_clock()
    {
        await using var server = new InMemoryWebSocketServer();
        var services = new ServiceCollection();
        services.AddRealtimeConnection(new RealtimeOptions { Uri = Address, Connector = server });
        await using var provider = services.BuildServiceProvider();
        var connection = provider.GetRequiredService<IRealtimeConnection>();
        using var states = new Recorder<StateChange>(connection.StateChanges);
        var before = TimeProvider.System.GetUtcNow();

        connection.Start();
        await server.AcceptAsync().Safe();
        var connected = await states.FirstAsync(s => s.Current == ConnectionState.Connected).Safe();

        Assert.InRange(connected.Timestamp, before, TimeProvider.System.GetUtcNow());
    }

    [Fact]
    public async Task Options_may_use_services_from_the_container()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new TokenSource("from-the-container"));
        RealtimeOptions? built = null;
        services.AddRealtimeConnection(new RealtimeOptions { Uri = Address })
            .Configure((options, provider) => options with
            {
                Authentication = options.Authentication with { TokenProvider = provider.GetRequiredService<TokenSource>().GetAsync },
            })
            .Configure(options => built = options);
        using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Internal.ConnectionSettings>>().Get(string.Empty);

        Assert.Equal("from-the-container", await built!.Authentication.TokenProvider!(new TokenRequest(TokenRequestReason.FirstConnect, 1), default));
    }

    [Fact]
    public void Registering_a_name_twice_is_refused()
    {
        var services = new ServiceCollection();
        services.AddRealtimeConnection("prices", new RealtimeOptions { Uri = Address });
        services.AddRealtimeConnection(new RealtimeOptions { Uri = Address });

        var named = Assert.Throws<InvalidOperationException>(() => services.AddRealtimeConnection("prices", new RealtimeOptions { Uri = Address }));
        var unnamed = Assert.Throws<InvalidOperationException>(() => services.AddRealtimeConnection(new RealtimeOptions { Uri = Address }));

        Assert.Equal("A RealtimeClient connection named 'prices' is already registered.", named.Message);
        Assert.StartsWith("The default RealtimeClient connection is already registered", unnamed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configure_callback_that_returns_null_is_reported_with_the_connections_name()
    {
        var services = new ServiceCollection();
        services.AddRealtimeConnection("prices", new RealtimeOptions { Uri = Address }).Configure(_ => null!);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredKeyedService<RealtimeConnection>("prices"));

        Assert.Equal("A Configure callback of the RealtimeClient connection 'prices' returned null instead of the options.", error.Message);
    }

    private sealed class Trader([FromKeyedServices("prices")] IRealtimeConnection prices, [FromKeyedServices("orders")] RealtimeConnection orders)
    {
        public IRealtimeConnection Prices { get; } = prices;

        public IRealtimeConnection Orders { get; } = orders;
    }

    private sealed class TokenSource(string token)
    {
        public ValueTask<string?> GetAsync(TokenRequest request, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(token);
    }
}
