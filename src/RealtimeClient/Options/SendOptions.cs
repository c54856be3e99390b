namespace RealtimeClient;

/// <summary>Per-message delivery settings of the connection's send methods.</summary>
public sealed record SendOptions
{
    /// <summary>At-most-once, queued while disconnected (the default for every send without options).</summary>
    public static SendOptions Default { get; } = new();

    /// <summary>At-least-once: acknowledged by the server, resent after a reconnect.</summary>
    public static SendOptions Acknowledged { get; } = new() { Delivery = DeliveryMode.AtLeastOnce };

    /// <summary>Volatile: written only if connected now, never queued.</summary>
    public static SendOptions Volatile { get; } = new() { Delivery = DeliveryMode.Volatile };

    /// <summary>At-least-once and kept in the <see cref="RealtimeOptions.Outbox"/> until acknowledged: survives a crash of the app.</summary>
    public static SendOptions Durable { get; } = new() { Delivery = DeliveryMode.AtLeastOnce, IsDurable = true };

    /// <summary>The delivery mode (default: <see cref="DeliveryMode.AtMostOnce"/>).</summary>
    public DeliveryMode Delivery { get; init; } = DeliveryMode.AtMostOnce;

    /// <summary>
    /// How long the message may wait to be written (at-most-once) or acknowledged (at-least-once) before its send fails
    /// with <see cref="DeliveryFailureReason.Expired"/> (default: <see langword="null"/>, no limit).
    /// </summary>
    public TimeSpan? TimeToLive { get; init; }

    /// <summary>
    /// The message id (default: <see langword="null"/>: the connection generates one for acknowledged delivery). Give your
    /// own to make resends across app restarts de-duplicate too.
    /// </summary>
    public string? MessageId { get; init; }

    /// <summary>
    /// Whether the message is written to <see cref="RealtimeOptions.Outbox"/> before the send is accepted, so it survives a
    /// crash of the app and is sent on the next start (default: <see langword="false"/>). Needs
    /// <see cref="DeliveryMode.AtLeastOnce"/> and an outbox.
    /// </summary>
    public bool IsDurable { get; init; }
}

/// <summary>What the connection promises about one outbound message.</summary>
public enum DeliveryMode
{
    /// <summary>
    /// Queued while disconnected and written once; the send completes when the message was written to the socket. A write
    /// that fails (the socket died under it) puts the message back at the head of the queue. A written message is never
    /// written again, and may still be lost if the connection drops before the server reads it: use
    /// <see cref="AtLeastOnce"/> for anything that matters.
    /// </summary>
    AtMostOnce = 0,

    /// <summary>
    /// Carries an id and completes only when the server acknowledges it. Unacknowledged messages are resent, with the same
    /// id and in their original order, after a reconnect; the server de-duplicates by id.
    /// </summary>
    AtLeastOnce = 1,

    /// <summary>
    /// Written only if the connection is connected right now, never queued (live cursor positions, quotes). Fails at once
    /// with <see cref="DeliveryFailureReason.NotConnected"/> otherwise.
    /// </summary>
    Volatile = 2,
}
