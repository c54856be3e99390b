namespace RealtimeClient;

/// <summary>
/// Metrics and traces. The connection always publishes its metrics on the meter <see cref="RealtimeTelemetry.MeterName"/>
/// and a span per connect attempt on the activity source <see cref="RealtimeTelemetry.ActivitySourceName"/>; they cost
/// one check per event until something listens (OpenTelemetry: <c>AddMeter(RealtimeTelemetry.MeterName)</c>,
/// <c>AddSource(RealtimeTelemetry.ActivitySourceName)</c>). The instruments are listed in <see cref="RealtimeTelemetry.Instruments"/>.
/// </summary>
public sealed record TelemetryOptions
{
    /// <summary>
    /// Whether an acknowledged send (<see cref="DeliveryMode.AtLeastOnce"/>) gets a span from the send call to its
    /// acknowledgement or failure (<see cref="RealtimeTelemetry.Activities.Send"/>), as a child of the caller's current
    /// activity (default: <see langword="false"/>: one span per message can be a lot).
    /// </summary>
    public bool TraceAcknowledgedSends { get; init; }
}
