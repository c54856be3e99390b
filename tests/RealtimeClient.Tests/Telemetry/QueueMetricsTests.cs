using static RealtimeClient.RealtimeTelemetry;
using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Telemetry;

/// <summary>Queue depth and bytes, unacknowledged messages, and the acknowledgement latency.</summary>
public sealed class QueueMetricsTests
{
    [Fact]
    public async Task Queue_messages_and_bytes_are_what_waits_in_the_queue_and_zero_once_written()
    {
        using var kit = new TelemetryKit();
        using var depth = kit.Collect<long>(Instruments.QueueMessages);
        using var size = kit.Collect<long>(Instruments.QueueBytes);
        await using var h = kit.Harness();
        Assert.Equal(0, Observe(kit, depth));
        Assert.Equal(0, Observe(kit, size));

        var sends = new[] { h.Connection.SendTextAsync("abc").AsTask(), h.Connection.SendTextAsync("defgh").AsTask() };
        Assert.Equal(2, Observe(kit, depth));
        Assert.Equal(8, Observe(kit, size));

        await h.StartAndAcceptAsync();
        await Task.WhenAll(sends).Safe();
        Assert.Equal(0, Observe(kit, depth));
        Assert.Equal(0, Observe(kit, size));
    }

    [Fact]
    public async Task Unacknowledged_counts_written_messages_until_their_ack_and_the_ack_latency_runs_from_the_write_on_the_connections_clock()
    {
        using var kit = new TelemetryKit();
        using var unacknowledged = kit.Collect<long>(Instruments.Unacknowledged);
        using var latency = kit.Collect<double>(Instruments.AckDuration);
        await using var h = kit.Harness();
        var server = await h.StartAndAcceptAsync();

        var send = h.Connection.SendTextAsync(Envelope("m1"), Acked("m1")).AsTask();
        Assert.Equal("m1", IdOf(await server.ReceiveAsync().Safe()));
        await SettleAsync(h, server);
        Assert.Equal(1, Observe(kit, unacknowledged));
        Assert.Empty(latency.GetMeasurementSnapshot());

        h.Clock.Advance(TimeSpan.FromMilliseconds(250)); // less than the ack timeout
        await AckAsync(server, "m1");
        await send.Safe();

        var measured = Assert.Single(latency.GetMeasurementSnapshot());
        Assert.Equal(0.25, measured.Value);
        kit.AssertServer(measured);
        Assert.Equal(0, Observe(kit, unacknowledged));
    }

    [Fact]
    public async Task An_at_most_once_send_has_no_ack_latency()
    {
        using var kit = new TelemetryKit();
        using var latency = kit.Collect<double>(Instruments.AckDuration);
        await using var h = kit.Harness();
        await h.StartAndAcceptAsync();

        await h.Connection.SendTextAsync(Envelope("m1")).AsTask().Safe();

        Assert.Empty(latency.GetMeasurementSnapshot());
    }

    private static long Observe(TelemetryKit kit, Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long> collector)
    {
        collector.Clear();
        collector.RecordObservableInstruments();
        var measurement = Assert.Single(collector.GetMeasurementSnapshot());
        kit.AssertServer(measurement);
        return measurement.Value;
    }
}
