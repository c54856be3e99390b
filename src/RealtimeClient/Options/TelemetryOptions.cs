namespace RealtimeClient;

/// <summary>
/// Metrics and traces. The connection always publishes its metrics on the meter <see cref="RealtimeTelemetry.MeterName"/>
/// and a span per connect attempt on the activity source <see cref="RealtimeTelemetry.ActivitySourceName"/>; they cost
/// nothing until something listens (OpenTelemetry: <c>AddMeter(RealtimeTelemetry.MeterName)</c>,
/// <c>AddSource(RealtimeTelemetry.ActivitySourceName)</c>).
/// </summary>
public sealed record TelemetryOptions
{
    /// <summary>
    /// Whether an acknowledged send gets a span from the send to its acknowledgement (or failure), as a child of the
    /// caller's current activity (default: <see langword="false"/>: one span per message can be a lot).
    /// </summary>
    public bool TraceAcknowledgedSends { get; init; }
}
