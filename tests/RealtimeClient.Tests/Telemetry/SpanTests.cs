using System.Diagnostics;
using System.Net;
using RealtimeClient.Testing;
using static RealtimeClient.RealtimeTelemetry;
using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Telemetry;

/// <summary>The connect span of every attempt, and the opt-in span of an acknowledged send.</summary>
public sealed class SpanTests
{
    [Fact]
    public async Task Each_connect_attempt_is_one_root_span_with_its_outcome_and_a_failure_is_an_error_with_its_cause()
    {
        using var kit = new TelemetryKit();
        using var spans = new SpanRecorder(kit.Host);
        using var caller = new Activity("the app's operation").Start();
        await using var h = kit.Harness();
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.ServiceUnavailable));

        h.Connection.Start();
        Assert.Same(caller, Activity.Current);
        await h.ReconnectAsync();

        var attempts = spans.Stopped;
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a =>
        {
            Assert.Equal(Activities.Connect, a.OperationName);
            Assert.Equal(ActivityKind.Client, a.Kind);
            Assert.Null(a.Parent);
            Assert.Equal(default, a.ParentSpanId);
            Assert.Equal(TelemetryKit.Port, a.GetTagItem(Tags.ServerPort));
        });
        Assert.Equal([1, 2], attempts.Select(a => (int)a.GetTagItem(Tags.Attempt)!));
        Assert.Equal("failure", attempts[0].GetTagItem(Tags.AttemptOutcome));
        Assert.Equal("handshake_rejected", attempts[0].GetTagItem(Tags.ErrorType));
        Assert.Equal(ActivityStatusCode.Error, attempts[0].Status);
        Assert.Equal("success", attempts[1].GetTagItem(Tags.AttemptOutcome));
        Assert.Null(attempts[1].GetTagItem(Tags.ErrorType));
        Assert.Equal(ActivityStatusCode.Unset, attempts[1].Status);
        Assert.Same(caller, Activity.Current);
    }

    [Fact]
    public async Task With_TraceAcknowledgedSends_an_acknowledged_send_is_a_child_span_of_the_caller_until_its_ack_or_failure()
    {
        using var kit = new TelemetryKit();
        using var spans = new SpanRecorder(kit.Host);
        await using var h = kit.Harness(o => o with { Telemetry = new TelemetryOptions { TraceAcknowledgedSends = true } });
        var server = await h.StartAndAcceptAsync();
        using var caller = new Activity("the app's operation").Start();

        var acked = h.Connection.SendTextAsync(Envelope("m1"), Acked("m1")).AsTask();
        var refused = h.Connection.SendTextAsync(Envelope("m2"), Acked("m2")).AsTask();
        await h.Connection.SendTextAsync("at most once").AsTask().Safe();
        Assert.Same(caller, Activity.Current);
        Assert.Equal("m1", IdOf(await server.ReceiveAsync().Safe()));
        Assert.Equal("m2", IdOf(await server.ReceiveAsync().Safe()));
        Assert.DoesNotContain(spans.Stopped, s => s.OperationName == Activities.Send); // open until the outcome
        await AckAsync(server, "m1");
        await RefuseAsync(server, "m2", 7, "no");
        await acked.Safe();
        await FailureOf(refused);

        var sends = spans.Stopped.Where(s => s.OperationName == Activities.Send).OrderBy(s => (string)s.GetTagItem(Tags.MessageId)!).ToList();
        Assert.Equal(["m1", "m2"], sends.Select(s => s.GetTagItem(Tags.MessageId)));
        Assert.All(sends, s =>
        {
            Assert.Equal(ActivityKind.Producer, s.Kind);
            Assert.Equal(caller.SpanId, s.ParentSpanId);
            Assert.Equal(caller.TraceId, s.TraceId);
        });
        Assert.Equal(ActivityStatusCode.Unset, sends[0].Status);
        Assert.Equal(ActivityStatusCode.Error, sends[1].Status);
        Assert.Equal("rejected", sends[1].GetTagItem(Tags.ErrorType));
    }

    [Fact]
    public async Task Without_TraceAcknowledgedSends_an_acknowledged_send_has_no_span()
    {
        using var kit = new TelemetryKit();
        using var spans = new SpanRecorder(kit.Host);
        await using var h = kit.Harness();
        var server = await h.StartAndAcceptAsync();

        var acked = h.Connection.SendTextAsync(Envelope("m1"), Acked("m1")).AsTask();
        Assert.Equal("m1", IdOf(await server.ReceiveAsync().Safe()));
        await AckAsync(server, "m1");
        await acked.Safe();

        Assert.Equal([Activities.Connect], spans.Stopped.Select(s => s.OperationName));
    }
}
