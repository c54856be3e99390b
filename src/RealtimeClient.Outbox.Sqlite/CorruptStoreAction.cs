namespace RealtimeClient.Outbox.Sqlite;

/// <summary>What <see cref="SqliteOutboxStore.OpenAsync"/> does with a file that is corrupt, truncated or not an outbox store.</summary>
public enum CorruptStoreAction
{
    /// <summary>
    /// Fail the open with an <see cref="OutboxStoreException"/> whose reason is <see cref="OutboxFailure.Corrupt"/>,
    /// leaving the file untouched. The default: the pending messages in it may matter, so nothing is discarded unasked.
    /// </summary>
    Fail = 0,

    /// <summary>
    /// Rename the bad file (and any side file SQLite left beside it) with a UTC timestamp suffix, keep it, and start
    /// with an empty store. <see cref="SqliteOutboxStore.MovedAsidePath"/> reports where it went.
    /// </summary>
    MoveAside = 1,
}
