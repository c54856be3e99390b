namespace RealtimeClient;

/// <summary>
/// How inbound messages reach subscribers. The receive loop hands every message to a bounded buffer; one dispatch task
/// decodes it and calls the subscribers, one message at a time, in arrival order.
/// </summary>
public sealed record DispatchOptions
{
    /// <summary>
    /// How many received messages may wait for the subscribers (default: 1,024). Each <c>ReadAllAsync</c> enumeration has
    /// its own buffer of this size too.
    /// </summary>
    public int BufferCapacity { get; init; } = 1024;

    /// <summary>
    /// What happens when a buffer is full because subscribers are slower than the server (default:
    /// <see cref="DispatchOverflow.DropOldest"/>, which keeps the connection and its heartbeat alive and reports every
    /// dropped message as <see cref="ErrorKind.DispatchOverflow"/>).
    /// </summary>
    public DispatchOverflow Overflow { get; init; } = DispatchOverflow.DropOldest;
}

/// <summary>What the dispatcher does when its buffer is full.</summary>
public enum DispatchOverflow
{
    /// <summary>
    /// Drop the oldest waiting message, report it as <see cref="ErrorKind.DispatchOverflow"/> (with an excerpt) and keep
    /// receiving. The receive loop never waits for subscribers. The default.
    /// </summary>
    DropOldest = 0,

    /// <summary>
    /// Stop receiving until there is room: nothing is lost, and the server is slowed down by TCP flow control. The buffer
    /// is full at <see cref="DispatchOptions.BufferCapacity"/> messages or 1 MiB of them, whichever comes first (a single
    /// larger message is always taken), and receiving resumes once an eighth of it is free. While the receive loop waits
    /// it reads nothing, heartbeat replies included, so a subscriber blocked for longer than the heartbeat timeout makes
    /// the connection look dead. Choose it only when subscribers are known to keep up.
    /// </summary>
    Wait = 1,
}
