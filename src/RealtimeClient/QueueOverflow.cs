namespace RealtimeClient;

/// <summary>What the outbound queue does with a new message when it is full (by count or by bytes).</summary>
public enum QueueOverflow
{
    /// <summary>The sender waits (honouring its cancellation token) until there is room. Nothing is dropped.</summary>
    Wait = 0,

    /// <summary>The oldest queued message is dropped (its send fails with <see cref="DeliveryFailureReason.Dropped"/>) to make room.</summary>
    DropOldest = 1,

    /// <summary>The newest queued message is dropped (its send fails with <see cref="DeliveryFailureReason.Dropped"/>) to make room.</summary>
    DropNewest = 2,

    /// <summary>The new message is rejected: its send fails at once with <see cref="DeliveryFailureReason.Rejected"/>.</summary>
    RejectNew = 3,
}
