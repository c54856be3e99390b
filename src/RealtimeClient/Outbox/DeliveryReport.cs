namespace RealtimeClient.Outbox;

/// <summary>
/// The outcome of a durable message recovered from an earlier run of the app (published on
/// <see cref="RealtimeConnection.RecoveredDeliveries"/>), so the app can show "delivered after restart" or handle a failure.
/// </summary>
/// <param name="MessageId">The message's id (the same as when it was first sent).</param>
/// <param name="SentAt">When the app first sent it.</param>
/// <param name="Failure">Why it was not delivered; <see langword="null"/> when the server acknowledged it.</param>
public sealed record DeliveryReport(string MessageId, DateTimeOffset SentAt, MessageDeliveryException? Failure)
{
    /// <summary>Whether the server acknowledged it.</summary>
    public bool Delivered => Failure is null;
}
