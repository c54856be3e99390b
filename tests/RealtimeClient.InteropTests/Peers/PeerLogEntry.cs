using System.Text.Json;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>One line of a peer's log (tests/interop/README.md, "The log").</summary>
public sealed class PeerLogEntry(JsonElement line)
{
    /// <summary>The whole line, for fields this class does not name.</summary>
    public JsonElement Line { get; } = line;

    /// <summary>The connection, "PID.N": unique across restarts of the peer.</summary>
    public string Conn => String("conn")!;

    /// <summary><c>open</c>, <c>text</c>, <c>binary</c>, <c>control</c>, <c>close</c> or <c>error</c>.</summary>
    public string Event => String("event")!;

    public string? Path => String("path");

    public string? Query => String("query");

    /// <summary>The size in bytes of a text or binary message.</summary>
    public int? Size => Line.TryGetProperty("size", out var v) ? v.GetInt32() : null;

    /// <summary>A text message's content (only up to 4 KiB).</summary>
    public string? Text => String("text");

    /// <summary>The id of a text message in acknowledgement mode.</summary>
    public string? Id => String("id");

    /// <summary>In acknowledgement mode: the id was seen before on this log (acknowledged, not echoed again).</summary>
    public bool Duplicate => Line.TryGetProperty("duplicate", out var v) && v.GetBoolean();

    /// <summary>The message's id was named by <c>ctl:refuse</c>: it was answered with an error, not echoed or acknowledged.</summary>
    public bool Refused => Line.TryGetProperty("refused", out var v) && v.GetBoolean();

    /// <summary>A control's whole text (<c>ctl:...</c>).</summary>
    public string? Command => String("command");

    /// <summary>The close code the client sent: 1005 a close frame without a code, 1006 no close frame.</summary>
    public int? Code => Line.TryGetProperty("code", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    public string? Reason => String("reason");

    public override string ToString() => Line.GetRawText();

    private string? String(string name) =>
        Line.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
