using System.Threading.Channels;

namespace RealtimeClient.Outbox.Sqlite.Internal;

/// <summary>
/// The store's single writer: one loop drains a channel of pending appends and completions and writes everything it
/// took in one transaction (group commit), so concurrent writers share one flush to the disk. Each write's task
/// completes after the commit that contains it, or fails with the reason that commit failed.
/// </summary>
internal sealed class GroupCommitWriter
{
    /// <summary>The most writes one transaction takes; the rest wait for the next one.</summary>
    internal const int MaxBatch = 512;

    private readonly OutboxDatabase _database;
    private readonly string _filePath;
    private readonly WriterHooks _hooks;
    private readonly Channel<PendingWrite> _pending =
        Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    private readonly Task _loop;
    private long _commits;
    private volatile bool _closing;

    public GroupCommitWriter(OutboxDatabase database, string filePath, WriterHooks hooks)
    {
        _database = database;
        _filePath = filePath;
        _hooks = hooks;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions committed so far (for tests and the benchmark).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Queues a write for the next transaction; <see langword="false"/> once the writer is closing.</summary>
    public bool TryEnqueue(PendingWrite write) => _pending.Writer.TryWrite(write);

    /// <summary>
    /// Takes no more writes, fails every queued one with <see cref="OutboxFailure.Closed"/> at once, and waits for the
    /// transaction in progress (its writes complete with its outcome).
    /// </summary>
    public async Task CloseAsync()
    {
        _closing = true;
        _pending.Writer.TryComplete();
        var queued = new List<PendingWrite>();
        while (_pending.Reader.TryRead(out var write))
        {
            queued.Add(write);
        }

        FailAll(queued, SqliteErrors.Closed(_filePath, opened: true));
        await _loop.ConfigureAwait(false);
    }

    private static void FailAll(List<PendingWrite> writes, Exception failure)
    {
        foreach (var write in writes)
        {
            write.TrySetException(failure);
        }
    }

    private static bool HasAppendsAndCompletions(List<PendingWrite> batch)
    {
        bool appends = false, completions = false;
        foreach (var write in batch)
        {
            appends |= write.IsAppend;
            completions |= !write.IsAppend;
        }

        return appends && completions;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            if (_closing)
            {
                FailAll(batch, SqliteErrors.Closed(_filePath, opened: true));
            }
            else if (batch.Count > 0)
            {
                Write(batch);
            }

            batch.Clear();
        }
    }

    /// <summary>
    /// Commits <paramref name="batch"/>. When the transaction fails, every write in it fails with the mapped reason,
    /// except that completions mixed with appends are retried alone once: a full disk must not stop the store from
    /// recording outcomes, which frees room.
    /// </summary>
    private void Write(List<PendingWrite> batch)
    {
        OutboxStoreException failure;
        try
        {
            Commit(batch);
            return;
        }
#pragma warning disable CA1031 // Every failure must reach the waiting writers; none may escape the loop and strand them.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            failure = RollBack(exception);
        }

        if (!HasAppendsAndCompletions(batch))
        {
            FailAll(batch, failure);
            return;
        }

        var completions = new List<PendingWrite>();
        foreach (var write in batch)
        {
            if (write.IsAppend)
            {
                write.TrySetException(failure);
            }
            else
            {
                completions.Add(write);
            }
        }

        try
        {
            Commit(completions);
        }
#pragma warning disable CA1031 // As above.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            FailAll(completions, RollBack(exception));
        }
    }

    private void Commit(List<PendingWrite> writes)
    {
        _database.RollbackIfOpen();
        _database.Begin();
        foreach (var write in writes)
        {
            write.OwnFailure = null;
            if (write.Entry is { } entry)
            {
                if (_database.Insert(entry) == InsertResult.Conflict)
                {
                    write.OwnFailure = new ArgumentException(
                        $"Another message with id '{entry.Id}' is already pending in the outbox store '{_filePath}' (an entry's id is unique in the store).");
                }
            }
            else
            {
                _database.Delete(write.Id);
            }
        }

        _hooks.BeforeCommit?.Invoke(writes);
        _database.Commit();
        Interlocked.Increment(ref _commits);
        _hooks.AfterCommit?.Invoke(writes);

        foreach (var write in writes)
        {
            if (write.OwnFailure is { } own)
            {
                write.TrySetException(own);
            }
            else
            {
                write.TrySetResult();
            }
        }
    }

    private OutboxStoreException RollBack(Exception cause)
    {
        try
        {
            _database.RollbackIfOpen();
        }
#pragma warning disable CA1031 // The cause is what the writers need; the next transaction rolls back again before it begins.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        return SqliteErrors.Map(cause, _filePath, "write to");
    }
}
