namespace RealtimeClient;

/// <summary>
/// What went wrong, for an event on <see cref="RealtimeConnection.Errors"/>. Connection-level events (failed attempts,
/// lost connections, heartbeat timeouts, refused handshakes) are not here: they are state changes, with their cause in
/// <see cref="StateChange.Disconnect"/>.
/// </summary>
public enum ErrorKind
{
    /// <summary>An inbound message could not be decoded (malformed, not an envelope, wrong shape for the subscribed type); it was skipped.</summary>
    DecodeFailed = 0,

    /// <summary>A subscriber threw; it keeps its subscription and nothing else is affected.</summary>
    SubscriberFailed = 1,

    /// <summary>The dispatch buffer was full and a received message was dropped by the configured policy.</summary>
    DispatchOverflow = 2,

    /// <summary>An outbound message was dropped by the queue's overflow policy (its send also fails, with <see cref="DeliveryFailureReason.Dropped"/>).</summary>
    MessageDropped = 3,

    /// <summary>The server refused a message that no pending send or request was waiting for (a negative acknowledgement with an unknown id).</summary>
    MessageRejected = 4,

    /// <summary>The outbox could not record an outcome; the message may be sent again after a restart (the server de-duplicates it by id).</summary>
    OutboxFailed = 5,

    /// <summary>An unexpected internal failure; please report it.</summary>
    Internal = 6,
}
