namespace RealtimeClient;

/// <summary>
/// A problem the connection survived (bad input, a throwing subscriber, a dropped message). Published on
/// <see cref="RealtimeConnection.Errors"/>; never ends a subscription.
/// </summary>
public sealed class RealtimeError
{
    /// <summary>Creates an error event.</summary>
    /// <param name="kind">What went wrong.</param>
    /// <param name="message">A human-readable description without secrets.</param>
    /// <param name="exception">The underlying exception, if any.</param>
    /// <param name="excerpt">A bounded excerpt of the offending message, if any.</param>
    public RealtimeError(ErrorKind kind, string message, Exception? exception = null, string? excerpt = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        Kind = kind;
        Message = message;
        Exception = exception;
        Excerpt = excerpt;
    }

    /// <summary>What went wrong.</summary>
    public ErrorKind Kind { get; }

    /// <summary>A human-readable description. Never contains tokens, header values or query strings.</summary>
    public string Message { get; }

    /// <summary>The underlying exception, if any.</summary>
    public Exception? Exception { get; }

    /// <summary>A bounded excerpt (at most 256 characters) of the message that caused it, if any.</summary>
    public string? Excerpt { get; }

    /// <inheritdoc />
    public override string ToString() => Exception is null ? $"{Kind}: {Message}" : $"{Kind}: {Message} ({Exception.GetType().Name}: {Exception.Message})";
}
