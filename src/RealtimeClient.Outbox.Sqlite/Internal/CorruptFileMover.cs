using System.Globalization;

namespace RealtimeClient.Outbox.Sqlite.Internal;

/// <summary>Moves a bad store file aside (kept, renamed with a timestamp) so that a new, empty store can take its place.</summary>
internal static class CorruptFileMover
{
    /// <summary>SQLite's side files that belong to the bad file and must not be replayed into a new one.</summary>
    private static readonly string[] SideFileSuffixes = ["-wal", "-shm", "-journal"];

    /// <summary>
    /// Renames <paramref name="filePath"/> to <c>FILE.corrupt-yyyyMMddTHHmmssfffZ</c> (a counter is added if that
    /// name is taken), moves its side files along under the same new name, and returns the new path.
    /// </summary>
    public static string MoveAside(string filePath, DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var target = $"{filePath}.corrupt-{stamp}";
        for (var n = 2; IsTaken(target); n++)
        {
            target = $"{filePath}.corrupt-{stamp}-{n.ToString(CultureInfo.InvariantCulture)}";
        }

        File.Move(filePath, target);
        foreach (var suffix in SideFileSuffixes)
        {
            if (File.Exists(filePath + suffix))
            {
                File.Move(filePath + suffix, target + suffix);
            }
        }

        return target;
    }

    private static bool IsTaken(string path)
    {
        if (File.Exists(path))
        {
            return true;
        }

        foreach (var suffix in SideFileSuffixes)
        {
            if (File.Exists(path + suffix))
            {
                return true;
            }
        }

        return false;
    }
}
