using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace RealtimeClient.Tests.Telemetry;

/// <summary>
/// A meter factory of one test's own (the container default from <c>AddMetrics()</c>), so parallel tests never see each
/// other's measurements, and a server address no other test uses, so spans (whose listeners are process-wide) can be told
/// apart. The address carries a path, a query string with a token, and user info: none of it may reach a tag.
/// </summary>
internal sealed class TelemetryKit : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public TelemetryKit()
    {
        Host = $"t{Guid.NewGuid():N}.test.invalid";
        Uri = new Uri($"ws://user:pa55word@{Host}:8443/chat/room-42?access_token=s3cret-query");
    }

    public const int Port = 8443;

    public string Host { get; }

    public Uri Uri { get; }

    public IMeterFactory Meters => _services.GetRequiredService<IMeterFactory>();

    /// <summary>A collector of one instrument of the RealtimeClient meter made by this test's factory.</summary>
    public MetricCollector<T> Collect<T>(string instrument)
        where T : struct => new(Meters, RealtimeTelemetry.MeterName, instrument);

    /// <summary>A harness whose connection publishes on this test's meter factory and uses this test's server address.</summary>
    public Harness Harness(Func<RealtimeOptions, RealtimeOptions>? configure = null) =>
        new(o => (configure ?? (x => x))(o with { Uri = Uri }), meters: Meters);

    /// <summary>Asserts the measurement is tagged with this test's server (host and port only).</summary>
    public void AssertServer<T>(CollectedMeasurement<T> measurement)
        where T : struct
    {
        Assert.Equal(Host, measurement.Tags[RealtimeTelemetry.Tags.ServerAddress]);
        Assert.Equal(Port, measurement.Tags[RealtimeTelemetry.Tags.ServerPort]);
    }

    public void Dispose() => _services.Dispose();
}

/// <summary>Records the RealtimeClient spans of one server host as they stop (the listener sees every test's spans; it keeps only this host's).</summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly Lock _gate = new();
    private readonly List<Activity> _stopped = [];

    public SpanRecorder(string host)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RealtimeTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem(RealtimeTelemetry.Tags.ServerAddress), host))
                {
                    lock (_gate)
                    {
                        _stopped.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> Stopped
    {
        get
        {
            lock (_gate)
            {
                return [.. _stopped];
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
