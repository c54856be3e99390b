namespace RealtimeClient.Outbox.Sqlite.Internal;

/// <summary>What <see cref="OutboxDatabase.Insert"/> did.</summary>
internal enum InsertResult
{
    /// <summary>The entry is new and now stored (once the transaction commits).</summary>
    Stored,

    /// <summary>The same message was already stored under this id.</summary>
    AlreadyStored,

    /// <summary>A different message is stored under this id.</summary>
    Conflict,
}
