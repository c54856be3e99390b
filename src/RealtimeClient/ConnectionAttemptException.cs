namespace RealtimeClient;

/// <summary>
/// A connection attempt failed, or a connection dropped, in a way that may be retried. Thrown inside a user-supplied
/// <see cref="ReconnectOptions.Pipeline"/>'s callback so its retry strategy can handle it.
/// </summary>
public sealed class ConnectionAttemptException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConnectionAttemptException()
        : this("The connection attempt failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ConnectionAttemptException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ConnectionAttemptException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal ConnectionAttemptException(DisconnectInfo disconnect)
        : base($"The connection attempt failed: {disconnect}.", disconnect.Exception)
    {
        Disconnect = disconnect;
    }

    /// <summary>How the attempt or connection ended.</summary>
    public DisconnectInfo? Disconnect { get; }
}
