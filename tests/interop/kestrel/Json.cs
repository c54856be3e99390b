using System.Text.Encodings.Web;
using System.Text.Json;

namespace KestrelPeer;

/// <summary>How the peer writes JSON: compact, and readable (no \u escapes for quotes or non-ASCII letters).</summary>
internal static class Json
{
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
