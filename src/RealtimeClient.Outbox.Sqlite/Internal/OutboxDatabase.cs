using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace RealtimeClient.Outbox.Sqlite.Internal;

/// <summary>
/// The store's one SQLite connection: opened exclusively in write-ahead-log mode, checked, and used by one thread at a
/// time (the open, then the writer loop). Every method is synchronous and throws <see cref="SqliteException"/> (or
/// <see cref="OutboxStoreException"/> for a file that is not an outbox store); the caller maps the failures.
/// </summary>
internal sealed class OutboxDatabase : IDisposable
{
    /// <summary>"RCOB" in the file header: tells an outbox store from any other SQLite file.</summary>
    private const long ApplicationId = 0x52434F42;
    private const long SchemaVersion = 1;

    private const string Schema = """
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            kind INTEGER NOT NULL,
            payload BLOB NOT NULL,
            created_utc_ticks INTEGER NOT NULL,
            offset_minutes INTEGER NOT NULL
        ) STRICT;
        """;

    private readonly SqliteConnection _connection;
    private readonly string _filePath;
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _delete;
    private readonly SqliteCommand _find;

    private OutboxDatabase(SqliteConnection connection, string filePath)
    {
        _connection = connection;
        _filePath = filePath;
        _begin = Command("BEGIN");
        _commit = Command("COMMIT");
        _rollback = Command("ROLLBACK");
        _insert = Command(
            "INSERT INTO outbox (id, kind, payload, created_utc_ticks, offset_minutes) VALUES ($id, $kind, $payload, $ticks, $offset)");
        _insert.Parameters.Add("$id", SqliteType.Text);
        _insert.Parameters.Add("$kind", SqliteType.Integer);
        _insert.Parameters.Add("$payload", SqliteType.Blob);
        _insert.Parameters.Add("$ticks", SqliteType.Integer);
        _insert.Parameters.Add("$offset", SqliteType.Integer);
        _delete = Command("DELETE FROM outbox WHERE id = $id");
        _delete.Parameters.Add("$id", SqliteType.Text);
        _find = Command("SELECT kind, payload FROM outbox WHERE id = $id");
        _find.Parameters.Add("$id", SqliteType.Text);
    }

    /// <summary>Whether a transaction is open (SQLite rolls a whole transaction back by itself on some failures).</summary>
    public bool InTransaction => raw.sqlite3_get_autocommit(_connection.Handle) == 0;

    /// <summary>
    /// Opens <paramref name="filePath"/> (creating it when missing), takes the exclusive lock, switches to the
    /// write-ahead log, checks the file (<c>PRAGMA quick_check</c>, the outbox's application id) or creates the schema.
    /// </summary>
    public static OutboxDatabase Open(string filePath, SqliteOutboxOptions options)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = filePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            // A pooled connection would keep the file (and its exclusive lock) open after the store is disposed.
            Pooling = false,
            // Microsoft.Data.Sqlite retries a busy file until this many seconds have passed (0 would mean forever).
            DefaultTimeout = BusySeconds(options.BusyTimeout),
        }.ToString();

        var connection = new SqliteConnection(connectionString);
        OutboxDatabase? database = null;
        try
        {
            connection.Open();
            database = new OutboxDatabase(connection, filePath);
            database.Configure(options);
            database.CheckOrCreate();
            return database;
        }
        catch
        {
            if (database is not null)
            {
                database.Dispose();
            }
            else
            {
                connection.Dispose();
            }

            throw;
        }
    }

    /// <summary>Every stored entry, in the order it was appended.</summary>
    public List<OutboxEntry> LoadPending()
    {
        using var select = Command("SELECT id, kind, payload, created_utc_ticks, offset_minutes FROM outbox ORDER BY seq");
        using var reader = select.ExecuteReader();
        var entries = new List<OutboxEntry>();
        while (reader.Read())
        {
            var kind = reader.GetInt64(1);
            if (kind is not ((long)MessageKind.Text or (long)MessageKind.Binary))
            {
                throw new OutboxStoreException(
                    OutboxFailure.Corrupt,
                    $"The outbox store '{_filePath}' holds an entry of unknown kind {kind.ToString(CultureInfo.InvariantCulture)}.");
            }

            var offset = TimeSpan.FromMinutes(reader.GetInt64(4));
            var created = new DateTimeOffset(reader.GetInt64(3) + offset.Ticks, offset);
            entries.Add(new OutboxEntry(reader.GetString(0), (MessageKind)kind, (byte[])reader.GetValue(2), created));
        }

        return entries;
    }

    public void Begin() => _begin.ExecuteNonQuery();

    public void Commit() => _commit.ExecuteNonQuery();

    /// <summary>Rolls back the open transaction, if SQLite has not already done so.</summary>
    public void RollbackIfOpen()
    {
        if (InTransaction)
        {
            _rollback.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Inserts <paramref name="entry"/> in the open transaction. An entry with the same id already stored is
    /// <see cref="InsertResult.AlreadyStored"/> when it is the same message (an append retried after a cancelled wait),
    /// <see cref="InsertResult.Conflict"/> otherwise.
    /// </summary>
    public InsertResult Insert(OutboxEntry entry)
    {
        _insert.Parameters[0].Value = entry.Id;
        _insert.Parameters[1].Value = (long)entry.Kind;
        _insert.Parameters[2].Value = AsArray(entry.Payload);
        _insert.Parameters[3].Value = entry.CreatedAt.UtcTicks;
        _insert.Parameters[4].Value = (long)entry.CreatedAt.Offset.TotalMinutes;
        try
        {
            _insert.ExecuteNonQuery();
            return InsertResult.Stored;
        }
        catch (SqliteException exception) when (SqliteErrors.IsConstraint(exception) && InTransaction)
        {
            return IsStored(entry) ? InsertResult.AlreadyStored : InsertResult.Conflict;
        }
    }

    /// <summary>Deletes the entry with <paramref name="id"/> in the open transaction; nothing happens when there is none.</summary>
    public void Delete(string id)
    {
        _delete.Parameters[0].Value = id;
        _delete.ExecuteNonQuery();
    }

    /// <summary>Closes the connection; SQLite folds the write-ahead log into the file and removes it.</summary>
    public void Dispose()
    {
        _begin.Dispose();
        _commit.Dispose();
        _rollback.Dispose();
        _insert.Dispose();
        _delete.Dispose();
        _find.Dispose();
        _connection.Dispose();
    }

    private static int BusySeconds(TimeSpan busyTimeout) =>
        (int)Math.Clamp(Math.Ceiling(busyTimeout.TotalSeconds), 1, int.MaxValue);

    private static byte[] AsArray(ReadOnlyMemory<byte> payload) =>
        MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : payload.ToArray();

    private void Configure(SqliteOutboxOptions options)
    {
        // Exclusive before the write-ahead log: the lock is then taken at the first access and kept until the
        // connection closes, and the log's index lives in this process's memory instead of a -shm file.
        Pragma("PRAGMA locking_mode = EXCLUSIVE");
        var journal = Pragma("PRAGMA journal_mode = WAL");
        if (!string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new OutboxStoreException(
                OutboxFailure.IoError,
                $"The outbox store '{_filePath}' could not use a write-ahead log (journal mode stayed '{journal}').");
        }

        Pragma(options.Synchronous == SqliteSynchronous.Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
        if (options.MaxSizeBytes is { } maxBytes)
        {
            var pageSize = Convert.ToInt64(Pragma("PRAGMA page_size"), CultureInfo.InvariantCulture);
            var pages = Math.Max(1, maxBytes / pageSize);
            Pragma("PRAGMA max_page_count = " + pages.ToString(CultureInfo.InvariantCulture));
        }
    }

    private void CheckOrCreate()
    {
        using (var check = Command("PRAGMA quick_check"))
        {
            var verdict = Convert.ToString(check.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (!string.Equals(verdict, "ok", StringComparison.Ordinal))
            {
                throw new OutboxStoreException(
                    OutboxFailure.Corrupt,
                    $"The outbox store '{_filePath}' is corrupt: the integrity check found '{verdict}'.");
            }
        }

        var applicationId = Convert.ToInt64(Pragma("PRAGMA application_id"), CultureInfo.InvariantCulture);
        var objects = Convert.ToInt64(Scalar("SELECT count(*) FROM sqlite_schema"), CultureInfo.InvariantCulture);
        if (applicationId == ApplicationId)
        {
            var version = Convert.ToInt64(Pragma("PRAGMA user_version"), CultureInfo.InvariantCulture);
            if (version != SchemaVersion)
            {
                throw new OutboxStoreException(
                    OutboxFailure.IoError,
                    $"The outbox store '{_filePath}' has schema version {version.ToString(CultureInfo.InvariantCulture)}; this library reads version {SchemaVersion.ToString(CultureInfo.InvariantCulture)}.");
            }

            var tables = Convert.ToInt64(
                Scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'outbox'"), CultureInfo.InvariantCulture);
            if (tables != 1)
            {
                throw new OutboxStoreException(OutboxFailure.Corrupt, $"The outbox store '{_filePath}' has lost its table.");
            }

            return;
        }

        if (applicationId != 0 || objects != 0)
        {
            throw new OutboxStoreException(
                OutboxFailure.Corrupt,
                $"The file '{_filePath}' is a SQLite database but not an outbox store (it holds other data).");
        }

        Begin();
        try
        {
            Execute(Schema);
            Execute("PRAGMA application_id = " + ApplicationId.ToString(CultureInfo.InvariantCulture));
            Execute("PRAGMA user_version = " + SchemaVersion.ToString(CultureInfo.InvariantCulture));
            Commit();
        }
        catch
        {
            RollbackIfOpen();
            throw;
        }
    }

    private bool IsStored(OutboxEntry entry)
    {
        _find.Parameters[0].Value = entry.Id;
        using var reader = _find.ExecuteReader();
        return reader.Read()
            && reader.GetInt64(0) == (long)entry.Kind
            && ((byte[])reader.GetValue(1)).AsSpan().SequenceEqual(entry.Payload.Span);
    }

    private SqliteCommand Command(string text)
    {
        var command = _connection.CreateCommand();
        command.CommandText = text;
        return command;
    }

    private string? Pragma(string text) => Convert.ToString(Scalar(text), CultureInfo.InvariantCulture);

    private object? Scalar(string text)
    {
        using var command = Command(text);
        return command.ExecuteScalar();
    }

    private void Execute(string text)
    {
        using var command = Command(text);
        command.ExecuteNonQuery();
    }
}
