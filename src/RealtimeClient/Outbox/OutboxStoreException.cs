namespace RealtimeClient.Outbox;

/// <summary>Why an <see cref="IOutboxStore"/> operation failed.</summary>
public enum OutboxFailure
{
    /// <summary>An I/O error not covered by another reason.</summary>
    IoError = 0,

    /// <summary>The disk (or the store's size limit) is full.</summary>
    DiskFull = 1,

    /// <summary>Another process (or another store instance) holds the store.</summary>
    Locked = 2,

    /// <summary>The store's file is corrupt, truncated, or not a store at all.</summary>
    Corrupt = 3,

    /// <summary>The store was disposed, or never opened.</summary>
    Closed = 4,
}

/// <summary>An <see cref="IOutboxStore"/> operation failed; <see cref="Reason"/> says why and the inner exception is the cause.</summary>
public sealed class OutboxStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OutboxStoreException()
        : this("The outbox store failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public OutboxStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public OutboxStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="reason"/>.</summary>
    /// <param name="reason">Why the operation failed.</param>
    /// <param name="message">What happened, without secrets (a file path is fine, message contents are not).</param>
    /// <param name="innerException">The cause, if any.</param>
    public OutboxStoreException(OutboxFailure reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Why the operation failed.</summary>
    public OutboxFailure Reason { get; }
}
