using RealtimeClient.Outbox.Sqlite.Internal;

namespace RealtimeClient.Outbox.Sqlite.Tests;

public sealed class CorruptFileMoverTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.FromHours(1));
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_file_and_its_side_files_move_under_one_UTC_timestamped_name_with_their_contents()
    {
        await File.WriteAllTextAsync(_folder.StoreFile, "db");
        await File.WriteAllTextAsync(_folder.StoreFile + "-wal", "log");
        await File.WriteAllTextAsync(_folder.StoreFile + "-shm", "index");

        var moved = CorruptFileMover.MoveAside(_folder.StoreFile, Now);

        Assert.Equal(_folder.StoreFile + ".corrupt-20250304T040607890Z", moved);
        Assert.Equal("db", await File.ReadAllTextAsync(moved));
        Assert.Equal("log", await File.ReadAllTextAsync(moved + "-wal"));
        Assert.Equal("index", await File.ReadAllTextAsync(moved + "-shm"));
        Assert.Equal(
            ["outbox.db.corrupt-20250304T040607890Z", "outbox.db.corrupt-20250304T040607890Z-shm", "outbox.db.corrupt-20250304T040607890Z-wal"],
            _folder.FileNames());
    }

    [Fact]
    public async Task A_name_already_taken_gets_a_counter_and_nothing_is_overwritten()
    {
        var taken = _folder.StoreFile + ".corrupt-20250304T040607890Z";
        await File.WriteAllTextAsync(taken, "moved earlier");
        await File.WriteAllTextAsync(_folder.StoreFile, "db");

        var moved = CorruptFileMover.MoveAside(_folder.StoreFile, Now);

        Assert.Equal(taken + "-2", moved);
        Assert.Equal("moved earlier", await File.ReadAllTextAsync(taken));
        Assert.Equal("db", await File.ReadAllTextAsync(moved));
    }
}
