namespace RealtimeClient.Outbox;

/// <summary>One durable outbound message as an <see cref="IOutboxStore"/> keeps it.</summary>
/// <param name="Id">The message id (unique; the server de-duplicates by it, so a message is never sent under two ids).</param>
/// <param name="Kind">Text or binary.</param>
/// <param name="Payload">The whole encoded message, exactly as it is written to the socket.</param>
/// <param name="CreatedAt">When the app sent it.</param>
public sealed record OutboxEntry(string Id, MessageKind Kind, ReadOnlyMemory<byte> Payload, DateTimeOffset CreatedAt);
