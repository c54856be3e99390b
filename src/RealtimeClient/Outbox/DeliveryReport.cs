namespace RealtimeClient.Outbox;

/// <summary>
/// The outcome of a durable message held from before this start (left by an earlier run of the app, or by a stop),
/// published on <see cref="RealtimeConnection.RecoveredDeliveries"/>, so the app can show "delivered after restart" or
/// handle a failure.
/// </summary>
/// <param name="Entry">The message as the outbox kept it: its id, its bytes (decode them to show what it was), when it was first sent.</param>
/// <param name="Failure">Why it was not delivered; <see langword="null"/> when the server acknowledged it.</param>
public sealed record DeliveryReport(OutboxEntry Entry, MessageDeliveryException? Failure)
{
    /// <summary>The message's id (the same as when it was first sent).</summary>
    public string MessageId => Entry.Id;

    /// <summary>Whether the server acknowledged it.</summary>
    public bool Delivered => Failure is null;
}
