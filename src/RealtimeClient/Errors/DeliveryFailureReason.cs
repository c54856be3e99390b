namespace RealtimeClient;

/// <summary>Why an outbound message was not delivered; carried by <see cref="MessageDeliveryException"/>.</summary>
public enum DeliveryFailureReason
{
    /// <summary>The queue was full and the <see cref="QueueOverflow.DropOldest"/> or <see cref="QueueOverflow.DropNewest"/> policy dropped it.</summary>
    Dropped = 0,

    /// <summary>The queue was full and the <see cref="QueueOverflow.RejectNew"/> policy refused it.</summary>
    QueueFull = 1,

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

    /// <summary>It is larger than <see cref="RealtimeOptions.MaxOutboundMessageSize"/> or the queue's byte capacity.</summary>
    TooLarge = 7,

    /// <summary>
    /// The server refused it: it answered with a negative acknowledgement repeating its id, or closed the connection with
    /// 1003, 1007 or 1009 right after it (twice). <see cref="MessageDeliveryException.Rejection"/> carries the server's reason.
    /// </summary>
    Rejected = 8,

    /// <summary>A durable send could not be written to the outbox (the inner exception is an <see cref="Outbox.OutboxStoreException"/>).</summary>
    OutboxFailed = 9,

    /// <summary>
    /// The connection failed while this at-most-once message was being written: it may or may not have reached the server
    /// (bytes already handed to the network still go out after the failure). It is not written again, because at most once
    /// means never twice; send it acknowledged (<see cref="SendOptions.Acknowledged"/>) when it must arrive.
    /// </summary>
    Interrupted = 10,
}
