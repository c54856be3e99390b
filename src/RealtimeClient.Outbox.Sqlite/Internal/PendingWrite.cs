namespace RealtimeClient.Outbox.Sqlite.Internal;

/// <summary>
/// One append or one completion waiting for the writer loop; its task completes after the commit that contains it.
/// Continuations run asynchronously, never on the writer loop.
/// </summary>
internal sealed class PendingWrite : TaskCompletionSource
{
    private PendingWrite(OutboxEntry? entry, string id)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Entry = entry;
        Id = id;
    }

    /// <summary>The entry to append, or <see langword="null"/> for a completion.</summary>
    public OutboxEntry? Entry { get; }

    /// <summary>The message id.</summary>
    public string Id { get; }

    public bool IsAppend => Entry is not null;

    /// <summary>Set when this write alone failed inside a transaction that otherwise committed (a conflicting id).</summary>
    public Exception? OwnFailure { get; set; }

    public static PendingWrite Append(OutboxEntry entry) => new(entry, entry.Id);

    public static PendingWrite Complete(string id) => new(null, id);
}
