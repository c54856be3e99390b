namespace RealtimeClient.Outbox;

/// <summary>The final outcome of a durable message, recorded by <see cref="IOutboxStore.CompleteAsync"/>.</summary>
public enum OutboxOutcome
{
    /// <summary>The server acknowledged it.</summary>
    Acknowledged = 0,

    /// <summary>It failed for good (refused by the server, expired, cancelled by the app).</summary>
    Failed = 1,
}
