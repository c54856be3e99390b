namespace RealtimeClient.Outbox.Sqlite.Internal;

/// <summary>
/// Test seams of the writer loop, run on the loop itself: the crash tests block or report here to kill a process at a
/// chosen point of a commit. Never set in production.
/// </summary>
internal sealed class WriterHooks
{
    /// <summary>Runs after a transaction's writes, just before COMMIT, with the writes in it.</summary>
    public Action<IReadOnlyList<PendingWrite>>? BeforeCommit { get; set; }

    /// <summary>Runs after COMMIT returned, before the writers' tasks complete, with the writes in the transaction.</summary>
    public Action<IReadOnlyList<PendingWrite>>? AfterCommit { get; set; }
}
