namespace RealtimeClient;

/// <summary>What happens when an acknowledged message's acknowledgement does not arrive in time.</summary>
public enum AckTimeoutAction
{
    /// <summary>Write it again with the same id (the server de-duplicates) and wait again.</summary>
    Resend = 0,

    /// <summary>Fail its send with <see cref="DeliveryFailureReason.AckTimeout"/>.</summary>
    Fail = 1,
}

/// <summary>Acknowledged (at-least-once) delivery and inbound de-duplication.</summary>
public sealed class AcknowledgementOptions
{
    /// <summary>The envelope type of an acknowledgement (default: <c>ack</c>, as in the sample protocol).</summary>
    public string AckType { get; init; } = "ack";

    /// <summary>
    /// The most acknowledged messages written but not yet acknowledged (default: 1,000). When full, the queue holds
    /// further acknowledged messages back until acknowledgements arrive, so order is kept.
    /// </summary>
    public int MaxInFlight { get; init; } = 1000;

    /// <summary>How long to wait for an acknowledgement on one connection (default: 30 s).</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>What an acknowledgement timeout does (default: <see cref="AckTimeoutAction.Resend"/>).</summary>
    public AckTimeoutAction OnAckTimeout { get; init; } = AckTimeoutAction.Resend;

    /// <summary>
    /// A dotted path to the id of an inbound message for de-duplication, read by the codec, such as <c>data.id</c> for
    /// the sample protocol's chat messages (default: <see langword="null"/>, no de-duplication).
    /// </summary>
    public string? InboundIdPath { get; init; }

    /// <summary>How many recently delivered inbound ids are remembered for de-duplication (default: 4,096).</summary>
    public int DeduplicationWindow { get; init; } = 4096;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(AckType, nameof(AckType));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlight, 1, nameof(MaxInFlight));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AckTimeout, TimeSpan.Zero, nameof(AckTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(DeduplicationWindow, 1, nameof(DeduplicationWindow));
    }
}
