using static RealtimeClient.RealtimeTelemetry;

namespace RealtimeClient.Tests.Telemetry;

/// <summary>The Errors counter: one per item on <see cref="RealtimeConnection.Errors"/>, by kind.</summary>
public sealed class ErrorMetricsTests
{
    [Fact]
    public async Task A_payload_that_does_not_decode_and_a_subscriber_that_throws_count_once_each_by_kind()
    {
        using var kit = new TelemetryKit();
        using var errors = kit.Collect<long>(Instruments.Errors);
        await using var h = kit.Harness();
        var server = await h.StartAndAcceptAsync();
        using var chats = new Recorder<ChatMessage>(h.Connection.On<ChatMessage>("chat"));
        using var throwing = h.Connection.Messages.Subscribe(m =>
        {
            if (m.Text!.Contains("\"throw\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("subscriber bug");
            }
        });

        await server.SendTextAsync("""{"type":"chat","data":{"id":"1","text":"fine"}}""");
        await chats.FirstAsync(_ => true);
        Assert.Empty(errors.GetMeasurementSnapshot());

        await server.SendTextAsync("""{"type":"chat","data":"not a chat message"}""");
        await h.Errors.FirstAsync(e => e.Kind == ErrorKind.DecodeFailed);
        await server.SendTextAsync("""{"type":"throw"}""");
        await h.Errors.FirstAsync(e => e.Kind == ErrorKind.SubscriberFailed);

        Assert.Equal(["decode_failed", "subscriber_failed"], errors.GetMeasurementSnapshot().Select(m => (string)m.Tags[Tags.ErrorType]!));
        Assert.All(errors.GetMeasurementSnapshot(), m => Assert.Equal(1, m.Value));
        Assert.All(errors.GetMeasurementSnapshot(), kit.AssertServer);
        Assert.Equal(2, h.Errors.Values.Count);
    }
}
