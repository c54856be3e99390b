namespace RealtimeClient;

/// <summary>What the connection promises about one outbound message.</summary>
public enum DeliveryMode
{
    /// <summary>
    /// Queued while disconnected and written once; the send completes when the message was written to the socket.
    /// A write that fails (the socket died under it) leaves the message at the head of the queue for the next connection,
    /// because a frame cut short is discarded by the server. Never written twice by the library after a successful write.
    /// </summary>
    AtMostOnce = 0,

    /// <summary>
    /// Carries an id and completes only when the server acknowledges it. Unacknowledged messages are kept and resent,
    /// with the same id and in their original order, after a reconnect; the server de-duplicates by id.
    /// </summary>
    AtLeastOnce = 1,

    /// <summary>
    /// Written only if the connection is connected right now, never queued (live cursor positions, quotes).
    /// Fails at once with <see cref="DeliveryFailureReason.NotConnected"/> otherwise.
    /// </summary>
    Volatile = 2,
}
