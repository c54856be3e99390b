namespace RealtimeClient.Outbox.Sqlite.Tests;

/// <summary>A fresh folder under the system temp folder for one test's store, deleted with everything in it afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "outbox-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The store file's path in this folder.</summary>
    public string StoreFile => System.IO.Path.Combine(Path, "outbox.db");

    /// <summary>A store on <see cref="StoreFile"/> with the default options, or with <paramref name="options"/>.</summary>
    public SqliteOutboxStore NewStore(SqliteOutboxOptions? options = null) =>
        new(options ?? new SqliteOutboxOptions { FilePath = StoreFile });

    /// <summary>The file names in the folder, sorted.</summary>
    public string[] FileNames()
    {
        var names = Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).Select(n => n!).ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        return names;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
