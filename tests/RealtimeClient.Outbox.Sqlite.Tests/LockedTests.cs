using Microsoft.Data.Sqlite;

namespace RealtimeClient.Outbox.Sqlite.Tests;

public sealed class LockedTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)] // the first store creates the file
    [InlineData(true)] // the first store only reads an existing file at its open
    public async Task A_second_store_instance_on_the_same_file_fails_at_open_with_Locked_until_the_first_is_disposed(bool fileExists)
    {
        if (fileExists)
        {
            Assert.Empty(await Entries.ReopenAsync(_folder));
        }

        var first = _folder.NewStore();
        await first.OpenAsync(CancellationToken.None);
        await using var second = _folder.NewStore();

        var locked = await Assert.ThrowsAsync<OutboxStoreException>(async () => await second.OpenAsync(CancellationToken.None));

        AssertLocked(locked);
        await first.AppendAsync(Entries.Text("still-mine"), CancellationToken.None); // the holder is unharmed
        await first.DisposeAsync();
        Assert.Equal(["still-mine"], Entries.Ids(await second.OpenAsync(CancellationToken.None))); // a failed open can be retried
    }

    [Fact]
    public async Task A_file_held_by_another_process_fails_at_open_with_Locked()
    {
        await using var child = ChildProcess.Start("hold", _folder.StoreFile);
        Assert.Equal("opened", await child.ReadLineAsync());
        await using var store = _folder.NewStore();

        AssertLocked(await Assert.ThrowsAsync<OutboxStoreException>(async () => await store.OpenAsync(CancellationToken.None)));

        await child.WriteLineAsync("close");
        Assert.Equal("closed", await child.ReadLineAsync());
        Assert.Equal(0, await child.WaitForExitAsync());
        Assert.Empty(await store.OpenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Another_process_cannot_open_a_file_this_store_holds()
    {
        await using var store = _folder.NewStore();
        await store.OpenAsync(CancellationToken.None);

        await using var child = ChildProcess.Start("open", _folder.StoreFile);

        Assert.Equal("failed Locked", await child.ReadLineAsync());
        Assert.Equal(0, await child.WaitForExitAsync());
    }

    private static void AssertLocked(OutboxStoreException exception)
    {
        Assert.Equal(OutboxFailure.Locked, exception.Reason);
        Assert.Contains("in use", exception.Message, StringComparison.Ordinal);
        Assert.Equal(5, Assert.IsType<SqliteException>(exception.InnerException).SqliteErrorCode); // SQLITE_BUSY
    }
}
