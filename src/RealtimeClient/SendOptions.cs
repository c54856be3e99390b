namespace RealtimeClient;

/// <summary>Per-message delivery settings for <see cref="RealtimeConnection"/>'s send methods.</summary>
public sealed class SendOptions
{
    /// <summary>At-most-once, queued (the default for every send without options).</summary>
    public static SendOptions Default { get; } = new();

    /// <summary>At-least-once: acknowledged by the server, resent after a reconnect.</summary>
    public static SendOptions Acknowledged { get; } = new() { Delivery = DeliveryMode.AtLeastOnce };

    /// <summary>Volatile: written only if connected now, never queued.</summary>
    public static SendOptions Volatile { get; } = new() { Delivery = DeliveryMode.Volatile };

    /// <summary>The delivery mode (default: <see cref="DeliveryMode.AtMostOnce"/>).</summary>
    public DeliveryMode Delivery { get; init; } = DeliveryMode.AtMostOnce;

    /// <summary>
    /// How long the message may wait to be written (at-most-once) or acknowledged (at-least-once) before its send fails
    /// with <see cref="DeliveryFailureReason.Expired"/> (default: <see langword="null"/>, no limit).
    /// </summary>
    public TimeSpan? TimeToLive { get; init; }

    /// <summary>
    /// The message id for acknowledged delivery (default: <see langword="null"/>, the connection generates one).
    /// Give your own to make resends across app restarts de-duplicate too.
    /// </summary>
    public string? MessageId { get; init; }
}
