namespace RealtimeClient;

/// <summary>An outbound message was not delivered; <see cref="Reason"/> says why. Every failed send completes with this.</summary>
public sealed class MessageDeliveryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MessageDeliveryException()
        : this("The message was not delivered.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public MessageDeliveryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public MessageDeliveryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="reason"/>.</summary>
    /// <param name="reason">Why the message was not delivered.</param>
    /// <param name="messageId">The message's id, if it had one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public MessageDeliveryException(DeliveryFailureReason reason, string? messageId, Exception? innerException = null)
        : base(messageId is null ? $"The message was not delivered: {reason}." : $"Message '{messageId}' was not delivered: {reason}.", innerException)
    {
        Reason = reason;
        MessageId = messageId;
    }

    /// <summary>Why the message was not delivered.</summary>
    public DeliveryFailureReason Reason { get; }

    /// <summary>The message's id (acknowledged delivery, or one the app gave), if any.</summary>
    public string? MessageId { get; }
}
