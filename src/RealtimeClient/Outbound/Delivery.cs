namespace RealtimeClient;

/// <summary>A message accepted by <see cref="RealtimeConnection.EnqueueAsync{T}"/>: its id and its outcome to await.</summary>
/// <param name="MessageId">The message's id (always set for acknowledged and durable delivery).</param>
/// <param name="Outcome">Completes when the message is written (at most once) or acknowledged (at least once); fails with <see cref="MessageDeliveryException"/> saying why otherwise.</param>
public sealed record Delivery(string? MessageId, Task Outcome);
