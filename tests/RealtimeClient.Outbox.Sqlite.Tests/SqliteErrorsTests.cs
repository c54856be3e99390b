using Microsoft.Data.Sqlite;
using RealtimeClient.Outbox.Sqlite.Internal;

namespace RealtimeClient.Outbox.Sqlite.Tests;

public sealed class SqliteErrorsTests
{
    [Theory]
    [InlineData(13, 13, OutboxFailure.DiskFull)] // SQLITE_FULL
    [InlineData(5, 5, OutboxFailure.Locked)] // SQLITE_BUSY
    [InlineData(5, 517, OutboxFailure.Locked)] // SQLITE_BUSY_SNAPSHOT
    [InlineData(6, 6, OutboxFailure.Locked)] // SQLITE_LOCKED
    [InlineData(11, 11, OutboxFailure.Corrupt)] // SQLITE_CORRUPT
    [InlineData(26, 26, OutboxFailure.Corrupt)] // SQLITE_NOTADB
    [InlineData(10, 778, OutboxFailure.IoError)] // SQLITE_IOERR_WRITE
    [InlineData(14, 14, OutboxFailure.IoError)] // SQLITE_CANTOPEN
    [InlineData(8, 8, OutboxFailure.IoError)] // SQLITE_READONLY
    public void A_SQLite_failure_maps_to_its_reason_with_the_cause_inside(int code, int extendedCode, OutboxFailure reason)
    {
        var cause = new SqliteException("native message", code, extendedCode);

        var mapped = SqliteErrors.Map(cause, "/data/outbox.db", "append to");

        Assert.Equal(reason, mapped.Reason);
        Assert.Same(cause, mapped.InnerException);
        Assert.Contains("/data/outbox.db", mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_other_failure_is_an_IoError_and_a_store_failure_passes_through()
    {
        var io = new IOException("disk gone");
        Assert.Equal(OutboxFailure.IoError, SqliteErrors.Map(io, "f", "open").Reason);
        Assert.Same(io, SqliteErrors.Map(io, "f", "open").InnerException);

        var already = new OutboxStoreException(OutboxFailure.Corrupt, "bad");
        Assert.Same(already, SqliteErrors.Map(already, "f", "open"));
    }
}
