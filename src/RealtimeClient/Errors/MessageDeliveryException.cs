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
        : base(Describe(reason, messageId, null), innerException)
    {
        Reason = reason;
        MessageId = messageId;
    }

    /// <summary>Creates the exception for a message the server refused.</summary>
    /// <param name="messageId">The message's id, if it had one.</param>
    /// <param name="rejection">How the server refused it.</param>
    public MessageDeliveryException(string? messageId, ServerRejection rejection)
        : base(Describe(DeliveryFailureReason.Rejected, messageId, rejection))
    {
        ArgumentNullException.ThrowIfNull(rejection);
        Reason = DeliveryFailureReason.Rejected;
        MessageId = messageId;
        Rejection = rejection;
    }

    /// <summary>Why the message was not delivered.</summary>
    public DeliveryFailureReason Reason { get; }

    /// <summary>The message's id (acknowledged delivery, or one the app gave), if any.</summary>
    public string? MessageId { get; }

    /// <summary>For <see cref="DeliveryFailureReason.Rejected"/>: the server's reason.</summary>
    public ServerRejection? Rejection { get; }

    private static string Describe(DeliveryFailureReason reason, string? id, ServerRejection? rejection)
    {
        var subject = id is null ? "The message" : $"Message '{id}'";
        return rejection is null ? $"{subject} was not delivered: {reason}." : $"{subject} was not delivered: {rejection}.";
    }
}
