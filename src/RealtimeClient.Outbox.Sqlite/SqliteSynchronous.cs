namespace RealtimeClient.Outbox.Sqlite;

/// <summary>
/// How hard a commit pushes the store to the disk: SQLite's <c>PRAGMA synchronous</c> in write-ahead-log mode.
/// Both levels keep the file consistent; they differ in what an acknowledged append survives.
/// </summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// Every commit waits for the write-ahead log to be flushed to the disk (fsync). An append that completed survives
    /// the process being killed and the machine losing power or crashing. The default.
    /// </summary>
    Full = 0,

    /// <summary>
    /// A commit writes the write-ahead log without waiting for the disk; the log is flushed at checkpoints. An append
    /// that completed survives the process being killed (SIGKILL, a crash of the app); a power loss or an operating
    /// system crash can lose the last commits (never corrupt the file). Several times faster where a flush is slow.
    /// </summary>
    Normal = 1,
}
