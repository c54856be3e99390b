using static RealtimeClient.RealtimeTelemetry;
using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Telemetry;

/// <summary>Messages and bytes sent and received, and failed sends by reason.</summary>
public sealed class MessageMetricsTests
{
    [Fact]
    public async Task Every_written_message_counts_once_with_its_bytes_and_kind_and_receiving_does_not_count_as_sent()
    {
        using var kit = new TelemetryKit();
        using var messages = kit.Collect<long>(Instruments.MessagesSent);
        using var bytes = kit.Collect<long>(Instruments.BytesSent);
        await using var h = kit.Harness();
        var server = await h.StartAndAcceptAsync();
        using var received = new Recorder<InboundMessage>(h.Connection.Messages);
        await server.SendTextAsync("from the server");
        await received.FirstAsync(m => m.Text == "from the server");
        Assert.Empty(messages.GetMeasurementSnapshot());

        await h.Connection.SendTextAsync("hello").AsTask().Safe();                          // queued path
        await h.Connection.SendBinaryAsync(new byte[] { 1, 2, 3 }).AsTask().Safe();           // queued path, binary
        await h.Connection.SendTextAsync("vol", SendOptions.Volatile).AsTask().Safe();        // written now

        Assert.Equal(["text:1", "binary:1", "text:1"], messages.GetMeasurementSnapshot().Select(m => $"{m.Tags[Tags.MessageKind]}:{m.Value}"));
        Assert.Equal([5L, 3L, 3L], bytes.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.All(messages.GetMeasurementSnapshot(), kit.AssertServer);
        Assert.All(bytes.GetMeasurementSnapshot(), kit.AssertServer);
    }

    [Fact]
    public async Task Every_received_message_counts_once_with_its_bytes_and_kind_and_sending_does_not_count_as_received()
    {
        using var kit = new TelemetryKit();
        using var messages = kit.Collect<long>(Instruments.MessagesReceived);
        using var bytes = kit.Collect<long>(Instruments.BytesReceived);
        await using var h = kit.Harness();
        var server = await h.StartAndAcceptAsync();
        using var received = new Recorder<InboundMessage>(h.Connection.Messages);
        await h.Connection.SendTextAsync("to the server").AsTask().Safe();
        await server.ReceiveAsync().Safe();
        Assert.Empty(messages.GetMeasurementSnapshot());

        await server.SendTextAsync("four");
        await server.SendBinaryAsync([9, 9]);
        await received.FirstAsync(m => m.Kind == MessageKind.Binary);

        Assert.Equal(["text:1", "binary:1"], messages.GetMeasurementSnapshot().Select(m => $"{m.Tags[Tags.MessageKind]}:{m.Value}"));
        Assert.Equal([4L, 2L], bytes.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.All(messages.GetMeasurementSnapshot(), kit.AssertServer);
    }

    [Fact]
    public async Task Failed_sends_count_once_each_by_reason_and_successful_ones_do_not_count()
    {
        using var kit = new TelemetryKit();
        using var failed = kit.Collect<long>(Instruments.MessagesFailed);
        await using var h = kit.Harness(o => o with { MaxOutboundMessageSize = 30 });

        await FailureOf(h.Connection.SendTextAsync("volatile before start", SendOptions.Volatile).AsTask());
        var server = await h.StartAndAcceptAsync();
        await h.Connection.SendTextAsync("fits").AsTask().Safe();
        Assert.Equal("fits", (await server.ReceiveAsync().Safe()).Text);
        await FailureOf(h.Connection.SendTextAsync("far too large for the limit of thirty").AsTask());
        await FailureOf(h.Connection.SendAsync("t", "far too large for the limit of thirty").AsTask());
        var acked = h.Connection.SendTextAsync(Envelope("m1"), Acked("m1")).AsTask();
        Assert.Equal("m1", IdOf(await server.ReceiveAsync().Safe()));
        await RefuseAsync(server, "m1", 42, "no");
        Assert.Equal(DeliveryFailureReason.Rejected, (await FailureOf(acked)).Reason);

        Assert.Equal(
            ["not_connected", "too_large", "too_large", "rejected"],
            failed.GetMeasurementSnapshot().Select(m => (string)m.Tags[Tags.FailureReason]!));
        Assert.All(failed.GetMeasurementSnapshot(), m => Assert.Equal(1, m.Value));
        Assert.All(failed.GetMeasurementSnapshot(), kit.AssertServer);
    }

    [Fact]
    public async Task Messages_a_full_queue_drops_count_as_failed_with_their_reason()
    {
        using var kit = new TelemetryKit();
        using var failed = kit.Collect<long>(Instruments.MessagesFailed);
        await using var h = kit.Harness(o => o with { Queue = o.Queue with { MaxMessages = 1, Overflow = QueueOverflow.DropOldest } });

        var first = h.Connection.SendTextAsync("first").AsTask();
        var second = h.Connection.SendTextAsync("second").AsTask();

        Assert.Equal(DeliveryFailureReason.Dropped, (await FailureOf(first)).Reason);
        Assert.False(second.IsCompleted);
        Assert.Equal("dropped", (string)Assert.Single(failed.GetMeasurementSnapshot()).Tags[Tags.FailureReason]!);
    }
}
