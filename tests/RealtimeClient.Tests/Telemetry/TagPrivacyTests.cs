using System.Diagnostics;
using System.Net;
using System.Reflection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using RealtimeClient.Testing;
using static RealtimeClient.RealtimeTelemetry;
using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Telemetry;

/// <summary>No tag of any instrument or span holds more of the address than host and port: no path, query, user info, token or header value.</summary>
public sealed class TagPrivacyTests
{
    private static readonly string[] Secrets = ["chat", "room-42", "access_token", "s3cret-query", "user", "pa55word", "t0ken-from-provider", "h3ader-value", "X-Tenant"];

    [Fact]
    public async Task No_tag_of_any_instrument_or_span_holds_the_path_the_query_a_token_or_a_header_value()
    {
        using var kit = new TelemetryKit();
        using var spans = new SpanRecorder(kit.Host);
        var names = typeof(Instruments).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(14, names.Count);
        var doubles = new[] { Instruments.ConnectDuration, Instruments.AckDuration };
        var longCollectors = names.Except(doubles).Select(kit.Collect<long>).ToList();
        var doubleCollectors = doubles.Select(kit.Collect<double>).ToList();
        await using var h = kit.Harness(o => o with
        {
            Headers = new Dictionary<string, string> { ["X-Tenant"] = "h3ader-value" },
            Authentication = new AuthenticationOptions { TokenProvider = (_, _) => ValueTask.FromResult<string?>("t0ken-from-provider") },
            Telemetry = new TelemetryOptions { TraceAcknowledgedSends = true },
            MaxOutboundMessageSize = 1000,
        });
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.ServiceUnavailable));

        // Every instrument moves: a failed attempt, a reconnect, sends, receives, a failure, an ack, an error.
        h.Connection.Start();
        var server = await h.ReconnectAsync();
        Assert.Equal("Bearer t0ken-from-provider", server.Request.Headers["Authorization"]);
        using var received = new Recorder<InboundMessage>(h.Connection.Messages);
        using var chats = new Recorder<ChatMessage>(h.Connection.On<ChatMessage>("chat"));
        var acked = h.Connection.SendTextAsync(Envelope("m1"), Acked("m1")).AsTask();
        Assert.Equal("m1", IdOf(await server.ReceiveAsync().Safe()));
        await AckAsync(server, "m1");
        await acked.Safe();
        await FailureOf(h.Connection.SendTextAsync(new string('x', 2000)).AsTask());
        await server.SendTextAsync("""{"type":"chat","data":"undecodable"}""");
        await h.Errors.FirstAsync(e => e.Kind == ErrorKind.DecodeFailed);
        longCollectors.ForEach(c => c.RecordObservableInstruments());

        List<(string Where, string? Value)> tags = [];
        foreach (var collector in longCollectors)
        {
            var measurements = collector.GetMeasurementSnapshot();
            Assert.True(measurements.Count > 0, $"{collector.Instrument?.Name} did not move");
            tags.AddRange(measurements.SelectMany(m => m.Tags.Select(t => (collector.Instrument!.Name + " " + t.Key, t.Value?.ToString()))));
        }

        foreach (var collector in doubleCollectors)
        {
            var measurements = collector.GetMeasurementSnapshot();
            Assert.True(measurements.Count > 0, $"{collector.Instrument?.Name} did not move");
            tags.AddRange(measurements.SelectMany(m => m.Tags.Select(t => (collector.Instrument!.Name + " " + t.Key, t.Value?.ToString()))));
        }

        Assert.Equal([Activities.Connect, Activities.Connect, Activities.Send], spans.Stopped.Select(s => s.OperationName));
        tags.AddRange(spans.Stopped.SelectMany(s => s.TagObjects.Select(t => (s.OperationName + " " + t.Key, t.Value?.ToString()))));
        tags.AddRange(spans.Stopped.Select(s => (s.OperationName + " name", (string?)s.DisplayName)));
        tags.AddRange(spans.Stopped.Select(s => (s.OperationName + " status", s.StatusDescription)));

        Assert.Contains(tags, t => t.Value == kit.Host);
        foreach (var (where, value) in tags)
        {
            foreach (var secret in Secrets)
            {
                Assert.False(value?.Contains(secret, StringComparison.OrdinalIgnoreCase) == true, $"{where} = {value} holds {secret}");
            }
        }

        foreach (var collector in longCollectors)
        {
            collector.Dispose();
        }

        foreach (var collector in doubleCollectors)
        {
            collector.Dispose();
        }
    }
}
