using Microsoft.Data.Sqlite;

namespace RealtimeClient.Outbox.Sqlite.Internal;

/// <summary>Turns SQLite's failures into <see cref="OutboxStoreException"/>s with a reason and the cause inside.</summary>
internal static class SqliteErrors
{
    private const int Busy = 5;
    private const int Locked = 6;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int Constraint = 19;
    private const int NotADatabase = 26;

    /// <summary>A UNIQUE or PRIMARY KEY constraint failed (an id already stored).</summary>
    public static bool IsConstraint(SqliteException exception) => (exception.SqliteErrorCode & 0xFF) == Constraint;

    /// <summary>The reason for a SQLite result code: FULL is a full disk, BUSY and LOCKED a file in use, CORRUPT and NOTADB a bad file.</summary>
    public static OutboxFailure ReasonFor(SqliteException exception) => (exception.SqliteErrorCode & 0xFF) switch
    {
        Full => OutboxFailure.DiskFull,
        Busy or Locked => OutboxFailure.Locked,
        Corrupt or NotADatabase => OutboxFailure.Corrupt,
        _ => OutboxFailure.IoError,
    };

    /// <summary>Maps any failure of <paramref name="doing"/> on <paramref name="filePath"/> to an <see cref="OutboxStoreException"/>.</summary>
    /// <param name="exception">The cause; an <see cref="OutboxStoreException"/> is returned as it is.</param>
    /// <param name="filePath">The store's file, named in the message.</param>
    /// <param name="doing">What the store was doing, for the message ("open", "append to").</param>
    public static OutboxStoreException Map(Exception exception, string filePath, string doing)
    {
        if (exception is OutboxStoreException store)
        {
            return store;
        }

        var reason = exception is SqliteException sqlite ? ReasonFor(sqlite) : OutboxFailure.IoError;
        return new OutboxStoreException(reason, Describe(reason, filePath, doing, exception), exception);
    }

    /// <summary>The exception for a store that is closed (disposed) or not open yet.</summary>
    public static OutboxStoreException Closed(string filePath, bool opened) => new(
        OutboxFailure.Closed,
        opened ? $"The outbox store '{filePath}' is closed." : $"The outbox store '{filePath}' is not open: call OpenAsync first.");

    private static string Describe(OutboxFailure reason, string filePath, string doing, Exception cause) => reason switch
    {
        OutboxFailure.DiskFull =>
            $"Could not {doing} the outbox store '{filePath}': it is full (no room left on the disk, or the store reached SqliteOutboxOptions.MaxSizeBytes).",
        OutboxFailure.Locked =>
            $"Could not {doing} the outbox store '{filePath}': the file is in use by another process or another store instance.",
        OutboxFailure.Corrupt =>
            $"Could not {doing} the outbox store '{filePath}': the file is corrupt, truncated, or not an outbox store ({cause.Message}).",
        _ => $"Could not {doing} the outbox store '{filePath}': {cause.Message}",
    };
}
