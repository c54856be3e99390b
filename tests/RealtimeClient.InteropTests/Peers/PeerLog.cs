using System.Text.Json;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>
/// A peer's log: one JSON object a line, appended by the peer process (and kept across its kills and restarts). A test
/// finds its own connections by a tag it put in the query string (<see cref="ForTag"/>).
/// </summary>
public sealed class PeerLog(string path)
{
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    public string Path { get; } = path;

    /// <summary>Every complete line so far.</summary>
    public IReadOnlyList<PeerLogEntry> ReadAll()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var text = new StreamReader(stream).ReadToEnd();
        var complete = text[..(text.LastIndexOf('\n') + 1)];
        return [.. complete.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => new PeerLogEntry(JsonDocument.Parse(l).RootElement.Clone()))];
    }

    /// <summary>The lines of every connection whose query string carries <c>tag=<paramref name="tag"/></c>, in order.</summary>
    public IReadOnlyList<PeerLogEntry> ForTag(string tag)
    {
        var all = ReadAll();
        var connections = all
            .Where(e => e.Event == "open" && e.Query is { } q && q.TrimStart('?').Split('&').Contains($"tag={tag}"))
            .Select(e => e.Conn)
            .ToHashSet();
        return [.. all.Where(e => connections.Contains(e.Conn))];
    }

    /// <summary>
    /// Waits, bounded by <see cref="WaitTimeout"/>, until a line of the tagged connections matches. For what the peer
    /// records after the client can see it (a close); a message's line is written before its echo or ack goes out.
    /// </summary>
    public async Task<PeerLogEntry> WaitForAsync(string tag, Func<PeerLogEntry, bool> predicate)
    {
        using var timeout = new CancellationTokenSource(WaitTimeout);
        using var timer = new PeriodicTimer(PollInterval);
        do
        {
            if (ForTag(tag).FirstOrDefault(predicate) is { } entry)
            {
                return entry;
            }
        }
        while (await WaitForTickAsync(timer, timeout.Token));

        throw new TimeoutException(
            $"no matching line for tag {tag} in {Path} within {WaitTimeout.TotalSeconds:0} s; its lines:{Environment.NewLine}"
            + string.Join(Environment.NewLine, ForTag(tag)));
    }

    private static async Task<bool> WaitForTickAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
