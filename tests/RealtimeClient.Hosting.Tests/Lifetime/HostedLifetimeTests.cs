using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NSubstitute;
using RealtimeClient.Testing;

namespace RealtimeClient.Hosting.Tests.Lifetime;

public sealed class HostedLifetimeTests
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(7);

    private sealed record Order(string Item);

    [Fact]
    public async Task The_connection_starts_with_the_host_and_closes_with_it()
    {
        await using var app = new HostedApp(c => c.WithHostedLifetime());
        var server = await app.StartAndAcceptAsync();

        await app.Host.StopAsync().Safe();

        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await server.ClientClosed.Safe()).Status);
        Assert.Equal(CloseReason.Stopped, (await app.States.FirstAsync(s => s.Current == ConnectionState.Closed).Safe()).CloseReason);
        Assert.Equal([4000, 4001, 4003], app.Logs.GetSnapshot().Where(l => l.Category == "RealtimeClient.Hosting").Select(l => l.Id.Id));
    }

    [Fact]
    public async Task Without_a_hosted_lifetime_the_host_leaves_the_connection_alone()
    {
        await using var app = new HostedApp();

        await app.Host.StartAsync().Safe();

        Assert.Equal(ConnectionState.Disconnected, app.Connection.State);
        Assert.Empty(app.Server.Requests);
        await app.Host.StopAsync().Safe();
    }

    [Fact]
    public async Task Stopping_the_host_waits_for_the_acknowledgements_still_due_then_closes()
    {
        await using var app = new HostedApp(c => c.WithHostedLifetime(Drain));
        var server = await app.StartAndAcceptAsync();
        var send = app.Connection.SendAsync("order", new Order("tea"), SendOptions.Acknowledged).AsTask();
        var written = await server.ReceiveAsync().Safe();

        var stop = app.Host.StopAsync();
        await app.Clock.WaitForTimerAsync(due => due == Drain).Safe(); // the drain is under way

        Assert.False(stop.IsCompleted);
        Assert.False(server.ClientClosed.IsCompleted);
        await server.SendTextAsync($"{{\"type\":\"ack\",\"id\":\"{IdOf(written)}\"}}");
        await stop.Safe();

        await send.Safe(); // acknowledged, not failed by the stop
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await server.ClientClosed.Safe()).Status);
        Assert.Contains(app.Logs.GetSnapshot(), l => l.Id.Id == 4001);
    }

    [Fact]
    public async Task A_drain_that_runs_out_of_time_stops_and_what_was_not_acknowledged_fails()
    {
        await using var app = new HostedApp(c => c.WithHostedLifetime(Drain));
        var server = await app.StartAndAcceptAsync();
        var send = app.Connection.SendAsync("order", new Order("tea"), SendOptions.Acknowledged).AsTask();
        await server.ReceiveAsync().Safe();

        var stop = app.Host.StopAsync();
        await app.Clock.WaitForTimerAsync(due => due == Drain).Safe();
        app.Clock.Advance(Drain);
        await stop.Safe();

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => send).Safe();
        Assert.Equal(DeliveryFailureReason.ConnectionClosed, failure.Reason);
        var warning = Assert.Single(app.Logs.GetSnapshot(), l => l.Id.Id == 4002);
        Assert.Equal("RealtimeClient connection (default) stops with 0 messages queued and 1 unacknowledged: the drain timeout ran out; they fail with ConnectionClosed", warning.Message);
    }

    [Fact]
    public async Task The_hosts_shutdown_token_bounds_the_drain_and_the_stop()
    {
        await using var app = new HostedApp(c => c.WithHostedLifetime(Timeout.InfiniteTimeSpan));
        var server = await app.StartAndAcceptAsync();
        var send = app.Connection.SendAsync("order", new Order("tea"), SendOptions.Acknowledged).AsTask();
        await server.ReceiveAsync().Safe();
        using var shutdown = new CancellationTokenSource();

        var stop = app.Host.StopAsync(shutdown.Token);
        Assert.False(stop.IsCompleted); // an infinite drain: only the host's token ends it
        await shutdown.CancelAsync();
        await stop.Safe();

        Assert.Equal(ConnectionState.Closed, app.Connection.State);
        Assert.Equal(DeliveryFailureReason.ConnectionClosed, (await Assert.ThrowsAsync<MessageDeliveryException>(() => send).Safe()).Reason);
        Assert.EndsWith("the host's shutdown timeout ran out; they fail with ConnectionClosed", Assert.Single(app.Logs.GetSnapshot(), l => l.Id.Id == 4002).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zero_drain_timeout_stops_at_once()
    {
        await using var app = new HostedApp(c => c.WithHostedLifetime(TimeSpan.Zero));
        var server = await app.StartAndAcceptAsync();
        var send = app.Connection.SendAsync("order", new Order("tea"), SendOptions.Acknowledged).AsTask();
        await server.ReceiveAsync().Safe();

        await app.Host.StopAsync().Safe(); // the virtual clock never moves: nothing waited for a drain

        Assert.Equal(DeliveryFailureReason.ConnectionClosed, (await Assert.ThrowsAsync<MessageDeliveryException>(() => send).Safe()).Reason);
    }

    [Fact]
    public async Task The_lifetime_starts_the_connection_then_drains_and_stops_it_with_the_hosts_token()
    {
        var connection = Substitute.For<IRealtimeConnection>();
        connection.DrainAsync(default, default).ReturnsForAnyArgs(true);
        await using var app = new HostedApp(c => c.WithHostedLifetime(Drain), services => services.AddSingleton(connection));
        using var shutdown = new CancellationTokenSource();

        await app.Host.StartAsync().Safe();
        await app.Host.StopAsync(shutdown.Token).Safe();

        Received.InOrder(() =>
        {
            connection.Start();
            connection.DrainAsync(Drain, Arg.Is<CancellationToken>(t => t.CanBeCanceled));
            connection.StopAsync(Arg.Is<CancellationToken>(t => t.CanBeCanceled));
        });
    }

    [Fact]
    public async Task Each_named_connection_can_have_its_own_lifetime()
    {
        await using var prices = new InMemoryWebSocketServer();
        await using var orders = new InMemoryWebSocketServer();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(new VirtualClock());
        builder.Services.AddRealtimeConnection("prices", new RealtimeOptions { Uri = HostedApp.Address, Connector = prices }).WithHostedLifetime();
        builder.Services.AddRealtimeConnection("orders", new RealtimeOptions { Uri = HostedApp.Address, Connector = orders }).WithHostedLifetime();
        using var host = builder.Build();

        await host.StartAsync().Safe();
        var pricesServer = await prices.AcceptAsync().Safe();
        var ordersServer = await orders.AcceptAsync().Safe();
        await host.StopAsync().Safe();

        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await pricesServer.ClientClosed.Safe()).Status);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await ordersServer.ClientClosed.Safe()).Status);
    }

    [Fact]
    public void A_second_hosted_lifetime_or_a_negative_drain_is_refused()
    {
        var connection = new ServiceCollection().AddRealtimeConnection(new RealtimeOptions { Uri = HostedApp.Address });

        Assert.Throws<ArgumentOutOfRangeException>(() => connection.WithHostedLifetime(TimeSpan.FromSeconds(-1)));
        connection.WithHostedLifetime();
        Assert.Throws<InvalidOperationException>(() => connection.WithHostedLifetime());
    }

    private static string IdOf(ReceivedFrame frame) => JsonDocument.Parse(frame.Bytes).RootElement.GetProperty("id").GetString()!;
}
