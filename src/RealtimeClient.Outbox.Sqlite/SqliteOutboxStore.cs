using RealtimeClient.Outbox.Sqlite.Internal;

namespace RealtimeClient.Outbox.Sqlite;

/// <summary>
/// An <see cref="IOutboxStore"/> in one SQLite file (Microsoft.Data.Sqlite): write-ahead log, exclusive lock, group
/// commit. An append completes once its transaction is committed at the <see cref="SqliteOutboxOptions.Synchronous"/>
/// level (by default it then survives a process kill and a power loss); concurrent appends and completions share one
/// transaction. Every failure is an <see cref="OutboxStoreException"/> with its reason and the SQLite error inside.
/// </summary>
/// <example>
/// <code>
/// await using var store = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = "outbox.db" });
/// var pending = await store.OpenAsync(ct);   // messages left by an earlier run, oldest first
/// await store.AppendAsync(new OutboxEntry(id, MessageKind.Text, bytes, DateTimeOffset.UtcNow), ct);
/// await store.CompleteAsync(id, OutboxOutcome.Acknowledged, ct);
/// </code>
/// </example>
public sealed class SqliteOutboxStore : IOutboxStore
{
    private readonly SqliteOutboxOptions _options;
    private readonly Lock _gate = new();
    private bool _openingOrOpen;
    private Task _openAttempt = Task.CompletedTask;
    private GroupCommitWriter? _writer;
    private OutboxDatabase? _database;
    private TaskCompletionSource? _disposal;

    /// <summary>Creates the store; nothing touches the file until <see cref="OpenAsync"/>.</summary>
    /// <param name="options">The file and its settings.</param>
    /// <exception cref="ArgumentException">The file path is empty, or a limit is negative or zero.</exception>
    public SqliteOutboxStore(SqliteOutboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.FilePath, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BusyTimeout, TimeSpan.Zero, nameof(options));
        if (options.MaxSizeBytes is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxSizeBytes, "MaxSizeBytes must be positive.");
        }

        _options = options;
        FilePath = Path.GetFullPath(options.FilePath);
    }

    /// <summary>The store's file, as a full path.</summary>
    public string FilePath { get; }

    /// <summary>
    /// Where the open moved a corrupt file (with <see cref="CorruptStoreAction.MoveAside"/>), or <see langword="null"/>
    /// when it did not. The file is kept there for inspection or recovery, as SQLite left it when it closed it (it folds
    /// a valid write-ahead log into the file and drops an invalid one).
    /// </summary>
    public string? MovedAsidePath { get; private set; }

    /// <summary>Test seams of the writer loop; set before <see cref="OpenAsync"/>.</summary>
    internal WriterHooks Hooks { get; } = new();

    /// <summary>Transactions committed since the open (group commit makes this smaller than the writes).</summary>
    internal long CommitCount => Volatile.Read(ref _writer)?.Commits ?? 0;

    /// <inheritdoc />
    /// <remarks>
    /// Creates the file (and its folder) when missing, takes the file exclusively, checks it (<c>PRAGMA
    /// quick_check</c>, which reads the whole file) and loads the pending entries. A file held by another process or
    /// store instance fails with <see cref="OutboxFailure.Locked"/> after <see cref="SqliteOutboxOptions.BusyTimeout"/>;
    /// a corrupt, truncated or foreign file fails with <see cref="OutboxFailure.Corrupt"/> or, with
    /// <see cref="CorruptStoreAction.MoveAside"/>, is moved aside (<see cref="MovedAsidePath"/>) and the store starts
    /// empty. A failed or cancelled open can be tried again.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The store is already open, or opening.</exception>
    public async ValueTask<IReadOnlyList<OutboxEntry>> OpenAsync(CancellationToken cancellationToken)
    {
        var attempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_disposal is not null)
            {
                throw SqliteErrors.Closed(FilePath, opened: true);
            }

            if (_openingOrOpen)
            {
                throw new InvalidOperationException($"The outbox store '{FilePath}' is already open (OpenAsync is called once).");
            }

            _openingOrOpen = true;
            _openAttempt = attempt.Task;
        }

        var opened = false;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (database, pending) = await Task.Run(OpenDatabase, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (_disposal is null && !cancellationToken.IsCancellationRequested)
                {
                    _database = database;
                    Volatile.Write(ref _writer, new GroupCommitWriter(database, FilePath, Hooks));
                    opened = true;
                    return pending;
                }
            }

            database.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw SqliteErrors.Closed(FilePath, opened: true);
        }
        finally
        {
            if (!opened)
            {
                lock (_gate)
                {
                    _openingOrOpen = false;
                }
            }

            attempt.SetResult();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The append joins the next transaction of the store's writer loop, with every other append and completion that
    /// arrived meanwhile, and completes after that transaction committed. An entry whose id is already pending with the
    /// same content is accepted again (a retry after a cancelled wait); with different content it fails with an
    /// <see cref="ArgumentException"/>.
    /// </remarks>
    public ValueTask AppendAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return EnqueueAsync(PendingWrite.Append(entry), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The entry is deleted from the file (its outcome is the connection's to report, not the store's to keep).</remarks>
    public ValueTask CompleteAsync(string id, OutboxOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return EnqueueAsync(PendingWrite.Complete(id), cancellationToken);
    }

    /// <summary>
    /// Closes the store: appends and completions not yet in a transaction fail with <see cref="OutboxFailure.Closed"/>
    /// at once, the transaction in progress finishes, and the file is closed (SQLite folds its write-ahead log back
    /// into it). Safe to call more than once and concurrently.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        TaskCompletionSource? mine = null;
        Task disposal;
        Task openAttempt;
        lock (_gate)
        {
            if (_disposal is null)
            {
                _disposal = mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            disposal = _disposal.Task;
            openAttempt = _openAttempt;
        }

        if (mine is not null)
        {
            try
            {
                // An open in progress sees the disposal and closes its file itself; wait for that.
                await openAttempt.ConfigureAwait(false);
                await CloseAsync().ConfigureAwait(false);
            }
            finally
            {
                mine.SetResult();
            }
        }

        await disposal.ConfigureAwait(false);
    }

    private async Task CloseAsync()
    {
        var writer = Volatile.Read(ref _writer);
        if (writer is not null)
        {
            await writer.CloseAsync().ConfigureAwait(false);
        }

        _database?.Dispose();
    }

    private (OutboxDatabase Database, List<OutboxEntry> Pending) OpenDatabase()
    {
        try
        {
            try
            {
                return OpenAndLoad();
            }
            catch (Exception exception) when (_options.OnCorrupt == CorruptStoreAction.MoveAside
                && SqliteErrors.Map(exception, FilePath, "open").Reason == OutboxFailure.Corrupt)
            {
                MovedAsidePath = CorruptFileMover.MoveAside(FilePath, DateTimeOffset.UtcNow);
                return OpenAndLoad();
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw SqliteErrors.Map(exception, FilePath, "open");
        }
    }

    private (OutboxDatabase Database, List<OutboxEntry> Pending) OpenAndLoad()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var database = OutboxDatabase.Open(FilePath, _options);
        try
        {
            return (database, database.LoadPending());
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    private ValueTask EnqueueAsync(PendingWrite write, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        var writer = Volatile.Read(ref _writer);
        if (writer is null || !writer.TryEnqueue(write))
        {
            bool disposed;
            lock (_gate)
            {
                disposed = _disposal is not null;
            }

            return ValueTask.FromException(SqliteErrors.Closed(FilePath, opened: writer is not null || disposed));
        }

        return new ValueTask(cancellationToken.CanBeCanceled ? write.Task.WaitAsync(cancellationToken) : write.Task);
    }
}
