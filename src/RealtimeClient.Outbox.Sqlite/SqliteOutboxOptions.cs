namespace RealtimeClient.Outbox.Sqlite;

/// <summary>Settings of a <see cref="SqliteOutboxStore"/>.</summary>
public sealed record SqliteOutboxOptions
{
    /// <summary>
    /// The store's file (required). It is created, with its folder, when it does not exist. All the data is in this one
    /// file; while the store is open SQLite keeps its write-ahead log beside it (<c>FilePath-wal</c>, SQLite's own side
    /// file, folded back into the file and removed on a clean close). No <c>-shm</c> file is used: the store holds the
    /// file exclusively.
    /// </summary>
    public required string FilePath { get; init; }

    /// <summary>
    /// What a completed append survives (default: <see cref="SqliteSynchronous.Full"/>: a process kill and a power loss).
    /// </summary>
    public SqliteSynchronous Synchronous { get; init; } = SqliteSynchronous.Full;

    /// <summary>
    /// How long the open waits for another process or store instance to let go of the file before it fails with
    /// <see cref="OutboxFailure.Locked"/> (default: 1 s). Microsoft.Data.Sqlite retries in whole seconds, so the wait is
    /// rounded up to whole seconds; the minimum is 1 s.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// What the open does with a file that is corrupt, truncated or not an outbox store
    /// (default: <see cref="CorruptStoreAction.Fail"/>: a clear error, the file untouched).
    /// </summary>
    public CorruptStoreAction OnCorrupt { get; init; } = CorruptStoreAction.Fail;

    /// <summary>
    /// The largest the file may grow, in bytes (default: <see langword="null"/>, no limit but the disk). An append that
    /// would grow it further fails with <see cref="OutboxFailure.DiskFull"/>, as it does when the disk is full; space
    /// freed by completed messages is reused. Rounded down to whole SQLite pages (4 KiB).
    /// </summary>
    public long? MaxSizeBytes { get; init; }
}
