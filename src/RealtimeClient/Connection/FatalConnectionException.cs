namespace RealtimeClient;

/// <summary>
/// Thrown by an on-connected hook to say that retrying cannot help (for example, the server rejected the credentials):
/// the connection closes for good with <see cref="CloseReason.OnConnectedFatal"/> instead of reconnecting.
/// </summary>
public sealed class FatalConnectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FatalConnectionException()
        : this("The connection cannot continue.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Why the connection cannot continue.</param>
    public FatalConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">Why the connection cannot continue.</param>
    /// <param name="innerException">The cause.</param>
    public FatalConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
