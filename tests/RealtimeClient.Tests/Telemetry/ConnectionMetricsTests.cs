using System.Net;
using RealtimeClient.Testing;
using static RealtimeClient.RealtimeTelemetry;

namespace RealtimeClient.Tests.Telemetry;

/// <summary>Connections by state, connect attempts and their duration, reconnects.</summary>
public sealed class ConnectionMetricsTests
{
    [Fact]
    public async Task Connections_counts_the_connection_in_its_state_and_every_other_state_as_zero_until_it_is_disposed()
    {
        using var kit = new TelemetryKit();
        using var connections = kit.Collect<long>(Instruments.Connections);
        var h = kit.Harness();
        await using (h)
        {
            Assert.Equal(Only("disconnected"), States(kit, connections));

            await h.StartAndAcceptAsync();
            Assert.Equal(Only("connected"), States(kit, connections));
        }

        Assert.Equal(Only(null), States(kit, connections));
    }

    [Fact]
    public async Task A_successful_attempt_is_counted_once_with_outcome_success_and_its_duration_on_the_connections_clock()
    {
        using var kit = new TelemetryKit();
        using var attempts = kit.Collect<long>(Instruments.ConnectAttempts);
        using var duration = kit.Collect<double>(Instruments.ConnectDuration);
        var tokenAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var token = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = kit.Harness(o => o with
        {
            Authentication = new AuthenticationOptions
            {
                TokenProvider = (_, _) =>
                {
                    tokenAsked.TrySetResult();
                    return new ValueTask<string?>(token.Task);
                },
            },
        });

        var connected = h.NextState(ConnectionState.Connected);
        h.Connection.Start();
        await tokenAsked.Task.Safe();
        Assert.Empty(attempts.GetMeasurementSnapshot()); // under way: not counted yet
        h.Clock.Advance(TimeSpan.FromSeconds(2)); // the token provider is part of the attempt
        token.SetResult("token");
        await h.Server.AcceptAsync().Safe();
        await connected;

        var attempt = Assert.Single(attempts.GetMeasurementSnapshot());
        Assert.Equal(1, attempt.Value);
        kit.AssertServer(attempt);
        Assert.Equal("success", attempt.Tags[Tags.AttemptOutcome]);
        Assert.Null(attempt.Tags[Tags.ErrorType]);
        var took = Assert.Single(duration.GetMeasurementSnapshot());
        Assert.Equal(2.0, took.Value);
        Assert.Equal("success", took.Tags[Tags.AttemptOutcome]);
    }

    [Fact]
    public async Task Failed_attempts_are_counted_with_their_cause_and_entering_Reconnecting_is_one_reconnect_whatever_the_retries()
    {
        using var kit = new TelemetryKit();
        using var attempts = kit.Collect<long>(Instruments.ConnectAttempts);
        using var reconnects = kit.Collect<long>(Instruments.Reconnects);
        await using var h = kit.Harness();
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.ServiceUnavailable), Handshake.Refuse(HttpStatusCode.ServiceUnavailable));

        h.Connection.Start();
        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        await h.AdvanceByRetryDelayAsync(reconnecting);
        var server = await h.ReconnectAsync();

        Assert.Equal(
            ["failure:handshake_rejected", "failure:handshake_rejected", "success:"],
            attempts.GetMeasurementSnapshot().Select(m => $"{m.Tags[Tags.AttemptOutcome]}:{m.Tags[Tags.ErrorType]}"));
        var reconnect = Assert.Single(reconnects.GetMeasurementSnapshot());
        Assert.Equal(1, reconnect.Value);
        kit.AssertServer(reconnect);
        Assert.Equal("handshake_rejected", reconnect.Tags[Tags.ErrorType]);

        // A lost connection is the next reconnect, by its own cause.
        server.Abort();
        await h.ReconnectAsync();
        Assert.Equal(["handshake_rejected", "connection_lost"], reconnects.GetMeasurementSnapshot().Select(m => m.Tags[Tags.ErrorType]));
        Assert.Equal(4, attempts.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task A_stop_during_an_attempt_counts_it_as_cancelled_and_is_no_reconnect()
    {
        using var kit = new TelemetryKit();
        using var attempts = kit.Collect<long>(Instruments.ConnectAttempts);
        using var reconnects = kit.Collect<long>(Instruments.Reconnects);
        await using var h = kit.Harness();
        h.Server.DefaultHandshake = Handshake.Hang;

        h.Connection.Start();
        await h.Server.WaitForRequestCountAsync(1).Safe();
        await h.Connection.StopAsync().Safe();

        var attempt = Assert.Single(attempts.GetMeasurementSnapshot());
        Assert.Equal("cancelled", attempt.Tags[Tags.AttemptOutcome]);
        Assert.Empty(reconnects.GetMeasurementSnapshot());
    }

    private static Dictionary<string, long> Only(string? state)
    {
        Dictionary<string, long> counts = new()
        {
            ["disconnected"] = 0, ["connecting"] = 0, ["connected"] = 0, ["reconnecting"] = 0, ["closed"] = 0,
        };
        if (state is not null)
        {
            counts[state] = 1;
        }

        return counts;
    }

    private static Dictionary<string, long> States(TelemetryKit kit, Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long> connections)
    {
        connections.Clear();
        connections.RecordObservableInstruments();
        var measurements = connections.GetMeasurementSnapshot();
        Assert.All(measurements, kit.AssertServer);
        return measurements.ToDictionary(m => (string)m.Tags[Tags.ConnectionState]!, m => m.Value);
    }
}
