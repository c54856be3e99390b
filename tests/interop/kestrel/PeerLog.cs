using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KestrelPeer;

/// <summary>
/// One JSON object a line, appended and flushed to the kernel before the echo or ack goes out, so a test that received
/// the echo can read the line, and the line survives a kill.
/// </summary>
internal sealed class PeerLog : IDisposable
{
    private readonly FileStream? _file;
    private readonly Lock _gate = new();

    public PeerLog(string? path)
    {
        Path = path;
        _file = path is null ? null : new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    public string? Path { get; }

    public void Write(JsonObject entry)
    {
        if (_file is null)
        {
            return;
        }

        var line = Encoding.UTF8.GetBytes(entry.ToJsonString(Json.Options) + "\n");
        lock (_gate)
        {
            _file.Write(line);
            _file.Flush();
        }
    }

    /// <summary>The ids already acknowledged by earlier runs of this peer on the same log: de-duplication survives a restart.</summary>
    public HashSet<string> RecordedIds()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (Path is null)
        {
            return ids;
        }

        using var reader = new StreamReader(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        while (reader.ReadLine() is { } line)
        {
            try
            {
                if (JsonNode.Parse(line) is JsonObject entry
                    && entry["event"]?.GetValue<string>() == "text"
                    && entry["id"] is JsonValue id
                    && id.TryGetValue<string>(out var value)
                    && entry["refused"] is null)
                {
                    ids.Add(value);
                }
            }
            catch (JsonException)
            {
                // A line cut short: skipped.
            }
        }

        return ids;
    }

    public void Dispose() => _file?.Dispose();
}
