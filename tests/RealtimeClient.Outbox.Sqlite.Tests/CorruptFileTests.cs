using Microsoft.Data.Sqlite;

namespace RealtimeClient.Outbox.Sqlite.Tests;

public sealed class CorruptFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_file_that_is_not_a_database_fails_with_Corrupt_and_is_left_untouched()
    {
        var garbage = Garbage(8192);
        await File.WriteAllBytesAsync(_folder.StoreFile, garbage);
        await using var store = _folder.NewStore();

        var corrupt = await Assert.ThrowsAsync<OutboxStoreException>(async () => await store.OpenAsync(CancellationToken.None));

        Assert.Equal(OutboxFailure.Corrupt, corrupt.Reason);
        Assert.Equal(26, Assert.IsType<SqliteException>(corrupt.InnerException).SqliteErrorCode); // SQLITE_NOTADB
        Assert.Contains(_folder.StoreFile, corrupt.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(_folder.StoreFile));
        Assert.Null(store.MovedAsidePath);
    }

    [Theory]
    [InlineData(0.5)] // the last half of the pages is gone
    [InlineData(0.9)]
    [InlineData(0.0021)] // inside the first page, past the 100-byte header
    [InlineData(0.0003)] // inside the header
    public async Task A_truncated_store_fails_with_Corrupt(double keptFraction)
    {
        await CreateStoreWithEntriesAsync(count: 400);
        var length = new FileInfo(_folder.StoreFile).Length;
        Assert.True(length > 20 * 4096, $"the store is only {length} bytes");
        await using (var file = new FileStream(_folder.StoreFile, FileMode.Open))
        {
            file.SetLength((long)(length * keptFraction));
        }

        await using var store = _folder.NewStore();
        var corrupt = await Assert.ThrowsAsync<OutboxStoreException>(async () => await store.OpenAsync(CancellationToken.None));

        Assert.Equal(OutboxFailure.Corrupt, corrupt.Reason);
    }

    [Fact]
    public async Task A_store_with_damaged_pages_fails_with_Corrupt()
    {
        await CreateStoreWithEntriesAsync(count: 400);
        await using (var file = new FileStream(_folder.StoreFile, FileMode.Open))
        {
            file.Position = 3 * 4096;
            await file.WriteAsync(Garbage(2 * 4096));
        }

        await using var store = _folder.NewStore();
        var corrupt = await Assert.ThrowsAsync<OutboxStoreException>(async () => await store.OpenAsync(CancellationToken.None));

        Assert.Equal(OutboxFailure.Corrupt, corrupt.Reason);
    }

    [Fact]
    public async Task Another_apps_database_fails_with_Corrupt_and_keeps_its_data()
    {
        using (var other = new SqliteConnection($"Data Source={_folder.StoreFile};Pooling=False"))
        {
            other.Open();
            using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me');";
            create.ExecuteNonQuery();
        }

        await using (var store = _folder.NewStore())
        {
            var corrupt = await Assert.ThrowsAsync<OutboxStoreException>(async () => await store.OpenAsync(CancellationToken.None));
            Assert.Equal(OutboxFailure.Corrupt, corrupt.Reason);
            Assert.Contains("not an outbox store", corrupt.Message, StringComparison.Ordinal);
        }

        using var check = new SqliteConnection($"Data Source={_folder.StoreFile};Pooling=False");
        check.Open();
        using var select = check.CreateCommand();
        select.CommandText = "SELECT text FROM notes";
        Assert.Equal("keep me", select.ExecuteScalar());
    }

    [Fact]
    public async Task With_MoveAside_a_corrupt_file_is_kept_under_the_reported_name_and_the_store_starts_empty_without_its_stale_log()
    {
        var garbage = Garbage(8192);
        await File.WriteAllBytesAsync(_folder.StoreFile, garbage);
        await File.WriteAllBytesAsync(_folder.StoreFile + "-wal", Garbage(4096, seed: 2));
        var options = new SqliteOutboxOptions { FilePath = _folder.StoreFile, OnCorrupt = CorruptStoreAction.MoveAside };

        string moved;
        await using (var store = _folder.NewStore(options))
        {
            Assert.Empty(await store.OpenAsync(CancellationToken.None));
            moved = Assert.IsType<string>(store.MovedAsidePath);
            await store.AppendAsync(Entries.Text("after-the-move"), CancellationToken.None);
        }

        Assert.StartsWith(_folder.StoreFile + ".corrupt-", moved, StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(moved));
        // SQLite dropped the invalid log when it closed the bad file; nothing of it reached the new store.
        Assert.Equal(["outbox.db", Path.GetFileName(moved)], _folder.FileNames());
        Assert.Equal(["after-the-move"], Entries.Ids(await Entries.ReopenAsync(_folder)));
    }

    [Fact]
    public async Task With_MoveAside_a_healthy_store_is_not_moved()
    {
        await CreateStoreWithEntriesAsync(count: 3);
        await using var store = _folder.NewStore(new SqliteOutboxOptions { FilePath = _folder.StoreFile, OnCorrupt = CorruptStoreAction.MoveAside });

        Assert.Equal(3, (await store.OpenAsync(CancellationToken.None)).Count);
        Assert.Null(store.MovedAsidePath);
    }

    private static byte[] Garbage(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private async Task CreateStoreWithEntriesAsync(int count)
    {
        await using var store = _folder.NewStore();
        await store.OpenAsync(CancellationToken.None);
        var appends = Enumerable.Range(0, count)
            .Select(i => store.AppendAsync(Entries.Binary($"m{i:D4}", 200, (byte)i), CancellationToken.None).AsTask());
        await Task.WhenAll(appends);
    }
}
