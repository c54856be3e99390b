namespace RealtimeClient;

/// <summary>The connection closed (for good, or dropped before a reply) before the awaited operation could finish.</summary>
public sealed class ConnectionClosedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConnectionClosedException()
        : this("The connection is closed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ConnectionClosedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ConnectionClosedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a close with <paramref name="reason"/>.</summary>
    /// <param name="reason">Why the connection closed.</param>
    /// <param name="disconnect">The last disconnect, if any.</param>
    public ConnectionClosedException(CloseReason reason, DisconnectInfo? disconnect)
        : base(disconnect is null ? $"The connection is closed ({reason})." : $"The connection is closed ({reason}): {disconnect.Cause}.", disconnect?.Exception)
    {
        Reason = reason;
        Disconnect = disconnect;
    }

    /// <summary>Creates the exception for a connection that dropped (and will reconnect) before the operation finished.</summary>
    /// <param name="disconnect">How the connection dropped.</param>
    public ConnectionClosedException(DisconnectInfo disconnect)
        : base($"The connection dropped before the operation finished: {disconnect?.Cause}.", disconnect?.Exception)
    {
        Disconnect = disconnect;
    }

    /// <summary>Why the connection closed for good; <see langword="null"/> when it only dropped.</summary>
    public CloseReason? Reason { get; }

    /// <summary>How the last connection or attempt ended, when known.</summary>
    public DisconnectInfo? Disconnect { get; }
}
