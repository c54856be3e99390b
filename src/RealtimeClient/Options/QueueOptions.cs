namespace RealtimeClient;

/// <summary>The outbound queue that holds messages while disconnected and flushes them, in order, on reconnect.</summary>
public sealed record QueueOptions
{
    /// <summary>The most messages the queue holds (default: 10,000).</summary>
    public int MaxMessages { get; init; } = 10_000;

    /// <summary>The most payload bytes the queue holds (default: 16 MiB). A single larger message fails with <see cref="DeliveryFailureReason.TooLarge"/>.</summary>
    public long MaxBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>What a send does when the queue is full (default: <see cref="QueueOverflow.Wait"/>: nothing is dropped).</summary>
    public QueueOverflow Overflow { get; init; } = QueueOverflow.Wait;
}

/// <summary>What the outbound queue does with a new message when it is full (by count or by bytes).</summary>
public enum QueueOverflow
{
    /// <summary>The sender waits (honouring its cancellation token) until there is room. Nothing is dropped.</summary>
    Wait = 0,

    /// <summary>
    /// The oldest queued messages are dropped (their sends fail with <see cref="DeliveryFailureReason.Dropped"/>), as many as
    /// the new one needs. The sender waits only while the one message that would have to go is being written.
    /// </summary>
    DropOldest = 1,

    /// <summary>
    /// The newest queued messages are dropped (their sends fail with <see cref="DeliveryFailureReason.Dropped"/>), as many as
    /// the new one needs. The sender waits only while the one message that would have to go is being written.
    /// </summary>
    DropNewest = 2,

    /// <summary>The new message is refused: its send fails at once with <see cref="DeliveryFailureReason.QueueFull"/>.</summary>
    RejectNew = 3,
}
