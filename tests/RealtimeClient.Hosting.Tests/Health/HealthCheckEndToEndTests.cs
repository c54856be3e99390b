using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RealtimeClient.Testing;

namespace RealtimeClient.Hosting.Tests.Health;

/// <summary>The health check of a real named connection, on the in-memory server and the virtual clock.</summary>
public sealed class HealthCheckEndToEndTests
{
    [Fact]
    public async Task A_named_connection_goes_from_not_started_to_healthy_to_degraded_to_unhealthy_and_never_shows_a_secret()
    {
        await using var server = new InMemoryWebSocketServer();
        var clock = new VirtualClock();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(clock);
        services.AddRealtimeConnection("prices", new RealtimeOptions
        {
            Uri = new Uri("ws://prices.secret-host.test/ws?tenant=tenant-789"),
            Connector = server,
            Headers = new Dictionary<string, string> { ["X-Api-Key"] = "key-456" },
            Authentication = new AuthenticationOptions { TokenProvider = (_, _) => ValueTask.FromResult<string?>("token-123") },
            Reconnect = new ReconnectOptions { RetryWhenNetworkReturns = false, FatalCloseStatuses = [4003] },
        });
        services.AddHealthChecks().AddRealtimeConnectionHealthCheck("prices", tags: ["ready"]);
        await using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();
        var connection = provider.GetRequiredKeyedService<IRealtimeConnection>("prices");
        var seen = new List<HealthReportEntry>();

        async Task<HealthReportEntry> Check()
        {
            var report = await health.CheckHealthAsync(r => r.Tags.Contains("ready"));
            var entry = report.Entries["realtime-prices"];
            seen.Add(entry);
            return entry;
        }

        Assert.Equal(HealthStatus.Unhealthy, (await Check()).Status);

        // Subscribed after the check's own subscription (made by its first run): a state change reaches observers in the
        // order they subscribed, so when this recorder has seen a change, the check has seen it too.
        using var states = new Recorder<StateChange>(connection.StateChanges);

        connection.Start();
        var socket = await server.AcceptAsync().Safe();
        await states.FirstAsync(s => s.Current == ConnectionState.Connected).Safe();
        Assert.Equal(HealthStatus.Healthy, (await Check()).Status);

        await socket.CloseAsync(WebSocketCloseStatus.InternalServerError, "restarting, token-123 is fine");
        var lost = await states.FirstAsync(s => s.Current == ConnectionState.Reconnecting).Safe();
        var reconnecting = await Check();
        Assert.Equal(HealthStatus.Degraded, reconnecting.Status);
        Assert.Equal(
            $"Reconnecting (attempt {lost.Attempt}, waiting {lost.RetryDelay!.Value.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s) after: server closed with 1011; 0 queued, 0 unacknowledged",
            reconnecting.Description);

        var connected = states.NextAsync(s => s.Current == ConnectionState.Connected);
        if (lost.RetryDelay > TimeSpan.Zero)
        {
            await clock.WaitForTimerAsync(due => due == lost.RetryDelay).Safe();
            clock.Advance(lost.RetryDelay.Value);
        }

        var again = await server.AcceptAsync().Safe();
        await connected.Safe();
        Assert.Equal(HealthStatus.Healthy, (await Check()).Status);

        await again.CloseAsync(4003, "go away, key-456");
        await states.FirstAsync(s => s.Current == ConnectionState.Closed).Safe();
        var closed = await Check();
        Assert.Equal(HealthStatus.Unhealthy, closed.Status);
        Assert.Equal("Closed for good (FatalCloseStatus) after: server closed with 4003; 0 queued, 0 unacknowledged", closed.Description);

        foreach (var entry in seen)
        {
            HealthCheckTests.AssertNothingSecret(entry, "secret-host", "tenant-789", "key-456", "token-123");
        }
    }
}
