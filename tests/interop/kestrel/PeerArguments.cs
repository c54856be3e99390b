using System.Globalization;

namespace KestrelPeer;

/// <summary>The command line every interop peer takes (tests/interop/README.md).</summary>
/// <param name="Port">The port on 127.0.0.1; 0 picks a free one.</param>
/// <param name="LogPath">The file every received message and close is appended to; none when null.</param>
/// <param name="MaxMessageSize">The largest message accepted; a larger one is closed with 1009 (default: 1 MiB).</param>
internal sealed record PeerArguments(int Port, string? LogPath, int MaxMessageSize)
{
    public const string Usage = "usage: dotnet KestrelPeer.dll --port 0 [--log FILE] [--max-message-size BYTES]";

    /// <summary>The arguments, or null when they are not understood.</summary>
    public static PeerArguments? Parse(IReadOnlyList<string> args)
    {
        var parsed = new PeerArguments(0, null, 1024 * 1024);
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port):
                    parsed = parsed with { Port = port };
                    break;
                case "--log":
                    parsed = parsed with { LogPath = value };
                    break;
                case "--max-message-size" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0:
                    parsed = parsed with { MaxMessageSize = size };
                    break;
                default:
                    return null;
            }
        }

        return args.Count % 2 == 0 ? parsed : null;
    }
}
