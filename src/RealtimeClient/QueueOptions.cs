namespace RealtimeClient;

/// <summary>The outbound queue that holds messages while disconnected and flushes them, in order, on reconnect.</summary>
public sealed class QueueOptions
{
    /// <summary>The most messages the queue holds (default: 10,000).</summary>
    public int MaxMessages { get; init; } = 10_000;

    /// <summary>The most payload bytes the queue holds (default: 16 MiB).</summary>
    public long MaxBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>What a send does when the queue is full (default: <see cref="QueueOverflow.Wait"/>: nothing is dropped).</summary>
    public QueueOverflow Overflow { get; init; } = QueueOverflow.Wait;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessages, 1, nameof(MaxMessages));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytes, 1, nameof(MaxBytes));
    }
}
