using System.Globalization;

namespace LoopbackHarness;

/// <summary>
/// Open-file limits (Linux): every connection is one descriptor in this process and one in the echo server. The .NET
/// runtime raises its soft limit to the hard limit at start-up, and the server is this process's child, so both see
/// the hard limit of the shell that started the harness (<c>ulimit -Hn</c>).
/// </summary>
internal static class FileDescriptors
{
    /// <summary>Descriptors each process needs besides the connections (runtime, pipes, listener, epoll, ...).</summary>
    public const int Margin = 200;

    /// <summary>The soft "Max open files" of a process, or null where /proc is not there (not Linux).</summary>
    public static long? Limit(int processId)
    {
        string path = string.Create(CultureInfo.InvariantCulture, $"/proc/{processId}/limits");
        try
        {
            foreach (string line in File.ReadLines(path))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    string[] fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long soft)
                        ? soft
                        : long.MaxValue;   // "unlimited"
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>Null when both processes may open <paramref name="connections"/> more sockets, else why not.</summary>
    public static string? Shortfall(int connections, int serverProcessId)
    {
        long needed = connections + (long)Margin;
        foreach (var (who, pid) in new[] { ("harness", Environment.ProcessId), ("echo server", serverProcessId) })
        {
            if (Limit(pid) is long limit && limit < needed)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"{connections:#,0} connections need {needed:#,0} open files in the {who} process, its limit is {limit:#,0} (raise ulimit -n, or pass --scale-connections)");
            }
        }

        return null;
    }
}
