namespace RealtimeClient;

/// <summary>What happens when an acknowledged message's acknowledgement does not arrive in time.</summary>
public enum AckTimeoutAction
{
    /// <summary>Write it again with the same id (the server de-duplicates) and wait again, keeping the original order.</summary>
    Resend = 0,

    /// <summary>Fail its send with <see cref="DeliveryFailureReason.AckTimeout"/>.</summary>
    Fail = 1,
}

/// <summary>Acknowledged (at-least-once) delivery, refusals by the server, and inbound de-duplication.</summary>
public sealed record AcknowledgementOptions
{
    /// <summary>The envelope type of an acknowledgement, whose id names the accepted message (default: <c>ack</c>).</summary>
    public string AckType { get; init; } = "ack";

    /// <summary>
    /// Envelope types that refuse the message whose id they repeat (a negative acknowledgement): the matching send or
    /// request fails at once with <see cref="DeliveryFailureReason.Rejected"/> carrying the server's code and message
    /// (default: <c>["error"]</c>, as in the sample protocol). Empty turns refusals off.
    /// </summary>
    public IReadOnlyList<string> RejectionTypes { get; init; } = ["error"];

    /// <summary>The path of the numeric or string code in a refusal, read by the envelope format (default: <c>code</c>).</summary>
    public string RejectionCodePath { get; init; } = "code";

    /// <summary>The path of the human-readable reason in a refusal (default: <c>message</c>).</summary>
    public string RejectionMessagePath { get; init; } = "message";

    /// <summary>
    /// The most acknowledged messages written but not yet acknowledged (default: 1,000). When full, the queue holds further
    /// acknowledged messages back until acknowledgements arrive, so order is kept.
    /// </summary>
    public int MaxInFlight { get; init; } = 1000;

    /// <summary>How long to wait for an acknowledgement while connected (default: 30 s). The clock stops while disconnected.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>What an acknowledgement timeout does (default: <see cref="AckTimeoutAction.Resend"/>).</summary>
    public AckTimeoutAction OnAckTimeout { get; init; } = AckTimeoutAction.Resend;

    /// <summary>
    /// A dotted path to the id of an inbound message for de-duplication, read by the envelope format, such as <c>data.id</c>
    /// for the sample protocol's chat messages (default: <see langword="null"/>, no de-duplication).
    /// </summary>
    public string? InboundIdPath { get; init; }

    /// <summary>How many recently delivered inbound ids are remembered for de-duplication (default: 4,096).</summary>
    public int DeduplicationWindow { get; init; } = 4096;
}
