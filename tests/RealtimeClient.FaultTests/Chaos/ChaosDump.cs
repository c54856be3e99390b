using System.Globalization;
using System.Text;
using RealtimeClient.FaultTests.Server;

namespace RealtimeClient.FaultTests.Chaos;

/// <summary>
/// Diagnostics for a replay: <c>FAULTS_DUMP=path</c> writes the server's whole record of the delivery run (one line per
/// message: order, server connection, repeat flag, id, text) to a file; <c>FAULTS_VERBOSE=1</c> lists every race.
/// </summary>
public static class ChaosDump
{
    public static string? Path => Environment.GetEnvironmentVariable("FAULTS_DUMP") is { Length: > 0 } path ? path : null;

    public static bool Verbose => Environment.GetEnvironmentVariable("FAULTS_VERBOSE") == "1";

    public static void Write(ChaosSettings settings, IReadOnlyList<ReceivedMessage> received)
    {
        if (Path is not { } path)
        {
            return;
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# seed {settings.Seed}: order connection repeat id text");
        foreach (var m in received)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{m.Order} {m.Connection} {(m.Repeat ? "repeat" : "first")} {m.Id ?? "-"} {m.Text}");
        }

        File.WriteAllText(path, text.ToString());
    }
}
