namespace RealtimeClient;

/// <summary>Why an outbound message was not delivered; carried by <see cref="MessageDeliveryException"/>.</summary>
public enum DeliveryFailureReason
{
    /// <summary>The queue was full and the <see cref="QueueOverflow.DropOldest"/> or <see cref="QueueOverflow.DropNewest"/> policy dropped it.</summary>
    Dropped = 0,

    /// <summary>The queue was full and the <see cref="QueueOverflow.RejectNew"/> policy rejected it.</summary>
    Rejected = 1,

    /// <summary>Its time to live ran out before it could be written (or acknowledged).</summary>
    Expired = 2,

    /// <summary>The app cancelled it (its token, or <see cref="RealtimeConnection.ClearQueue"/>).</summary>
    Cancelled = 3,

    /// <summary>A <see cref="DeliveryMode.Volatile"/> message found the connection not connected.</summary>
    NotConnected = 4,

    /// <summary>The connection closed for good (stopped, disposed, or a fatal close) while it was pending.</summary>
    ConnectionClosed = 5,

    /// <summary>No acknowledgement arrived within the acknowledgement timeout and the policy is to fail.</summary>
    AckTimeout = 6,

    /// <summary>The message is larger than the queue's byte capacity and can never be queued.</summary>
    TooLarge = 7,
}
