namespace RealtimeClient.Outbox;

/// <summary>
/// Durable storage for outbound messages, so that messages sent with <c>SendOptions.Durable</c> survive a crash or a
/// restart of the app itself. The connection appends a durable message before its send reports it accepted, removes it
/// once it reached its final outcome (acknowledged by the server, or failed for good), and loads what is still pending
/// when it starts, to send it first, in the original order, with the same ids.
/// </summary>
/// <remarks>
/// Implementations must be thread-safe: sends append concurrently, acknowledgements complete concurrently. An
/// implementation may (and the SQLite one does) commit concurrent appends in one transaction (group commit).
/// Every failure is an <see cref="OutboxStoreException"/> whose <see cref="OutboxStoreException.Reason"/> says why.
/// </remarks>
public interface IOutboxStore : IAsyncDisposable
{
    /// <summary>
    /// Opens the store (creating it when it does not exist) and returns every message still pending from earlier runs,
    /// in the order they were appended. Called once, before any other member.
    /// </summary>
    /// <param name="cancellationToken">Abandons the open.</param>
    /// <returns>The pending messages, oldest first.</returns>
    /// <exception cref="OutboxStoreException">The store cannot be opened (locked by another process, corrupt, not writable).</exception>
    ValueTask<IReadOnlyList<OutboxEntry>> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="entry"/> durable. Completes only once the entry would survive the process being killed
    /// at once (committed to disk).
    /// </summary>
    /// <param name="entry">The message; its <see cref="OutboxEntry.Id"/> is unique in the store.</param>
    /// <param name="cancellationToken">Stops waiting; the entry may or may not have been stored.</param>
    /// <returns>Completes when the entry is durable.</returns>
    /// <exception cref="OutboxStoreException">The entry could not be made durable (disk full, I/O error, store closed).</exception>
    ValueTask AppendAsync(OutboxEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Records the final outcome of the message with <paramref name="id"/>: it is no longer pending and is never loaded
    /// again. Completing an id that is not pending does nothing.
    /// </summary>
    /// <param name="id">The message id.</param>
    /// <param name="outcome">Acknowledged or failed.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Completes when the outcome is recorded.</returns>
    /// <exception cref="OutboxStoreException">The outcome could not be recorded.</exception>
    ValueTask CompleteAsync(string id, OutboxOutcome outcome, CancellationToken cancellationToken);
}
