using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using RealtimeClient.Testing;

namespace RealtimeClient.Hosting.Tests.Telemetry;

public sealed class MeterFactoryTests
{
    [Fact]
    public async Task The_connection_publishes_its_metrics_on_the_containers_meter_factory()
    {
        await using var server = new InMemoryWebSocketServer();
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddSingleton<TimeProvider>(new VirtualClock());
        services.AddRealtimeConnection(new RealtimeOptions { Uri = new Uri("ws://metrics.test:9000/ws"), Connector = server });
        await using var provider = services.BuildServiceProvider();
        using var sent = new MetricCollector<long>(provider.GetRequiredService<IMeterFactory>(), RealtimeTelemetry.MeterName, RealtimeTelemetry.Instruments.MessagesSent);
        var connection = provider.GetRequiredService<RealtimeConnection>();

        connection.Start();
        var socket = await server.AcceptAsync().Safe();
        await connection.SendTextAsync("hello").AsTask().Safe();
        Assert.Equal("hello", (await socket.ReceiveAsync().Safe()).Text);

        // The collector listens only to meters this container's factory made: the measurement proves the factory was used.
        var measurement = Assert.Single(sent.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal("metrics.test", measurement.Tags[RealtimeTelemetry.Tags.ServerAddress]);
        Assert.Same(provider.GetRequiredService<IMeterFactory>(), sent.Instrument?.Meter.Scope);
    }
}
