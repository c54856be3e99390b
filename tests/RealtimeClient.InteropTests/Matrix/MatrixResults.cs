using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace RealtimeClient.InteropTests.Matrix;

/// <summary>
/// The outcome of every scenario on every peer, as the tests ran (<see cref="MatrixSink"/> records them), and the matrix
/// drawn from them: a row per scenario (a theory's row per data row), a column per peer, each cell pass, fail, n/a with
/// the peer's reason, or not run.
/// </summary>
internal sealed class MatrixResults
{
    /// <summary>The columns' order; a peer not named here comes after these.</summary>
    private static readonly string[] PeerOrder =
        [Peers.NodeWsPeer.Collection, Peers.PythonPeer.Collection, Peers.KestrelWebSocketsPeer.Collection, Peers.NginxProxyPeer.Collection];

    private readonly Lock _gate = new();
    private readonly Dictionary<RowKey, Row> _rows = [];
    private readonly Dictionary<(RowKey Row, string Peer), bool> _passed = [];

    /// <summary>Records one test's outcome if it is a scenario (its method is declared by a <see cref="ScenarioGroupAttribute"/> class).</summary>
    public void Record(MethodInfo method, string displayName, string peer, bool passed)
    {
        if (method.DeclaringType?.GetCustomAttribute<ScenarioGroupAttribute>() is not { } group)
        {
            return;
        }

        var key = new RowKey(method.DeclaringType!, method.MetadataToken, method.Name, Arguments(displayName));
        lock (_gate)
        {
            _rows.TryAdd(key, new Row(group, key));
            _passed[(key, peer)] = passed && (!_passed.TryGetValue((key, peer), out var earlier) || earlier);
        }
    }

    /// <summary>
    /// The matrix in Markdown, with the peers' versions and the totals line <c>matrix: N pass, N fail, N n/a, N not run</c>.
    /// Every scenario method of <paramref name="groups"/> has a row, also one that did not run.
    /// </summary>
    public string Render(IEnumerable<Type> groups, TimeSpan elapsed, IReadOnlyCollection<PeerSummary> peers)
    {
        lock (_gate)
        {
            AddScenariosThatDidNotRun(groups);
            var columns = peers.Select(p => p.Name).Concat(_passed.Keys.Select(k => k.Peer)).Distinct()
                .OrderBy(p => Array.IndexOf(PeerOrder, p) is var i and >= 0 ? i : PeerOrder.Length).ThenBy(p => p, StringComparer.Ordinal)
                .ToList();
            var summaries = peers.ToDictionary(p => p.Name);
            var text = new StringBuilder();
            var library = typeof(RealtimeConnection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
            text.AppendLine(CultureInfo.InvariantCulture, $"Client: RealtimeClient {library} on {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier}).");
            text.AppendLine(CultureInfo.InvariantCulture, $"Run of {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: the interop suite (self-tests included) took {elapsed.TotalSeconds:0} s.");
            text.AppendLine();
            text.AppendLine("| peer | runs on |");
            text.AppendLine("|---|---|");
            foreach (var peer in columns)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| `{peer}` | {(summaries.TryGetValue(peer, out var s) ? s.Versions : "not started")} |");
            }

            text.AppendLine();
            text.AppendLine($"| scenario | {string.Join(" | ", columns.Select(c => $"`{c}`"))} |");
            text.AppendLine($"|---|{string.Concat(columns.Select(_ => "---|"))}");
            var counts = new Dictionary<string, int> { ["pass"] = 0, ["fail"] = 0, ["n/a"] = 0, ["not run"] = 0 };
            foreach (var group in _rows.Values.GroupBy(r => r.Group.Name).OrderBy(g => g.First().Group.Order))
            {
                text.AppendLine($"| **{group.Key}** |{string.Concat(columns.Select(_ => " |"))}");
                foreach (var row in group.OrderBy(r => r.Key.Token).ThenBy(r => r.Key.Arguments, StringComparer.Ordinal))
                {
                    var cells = columns.Select(peer => Cell(row, peer, summaries.GetValueOrDefault(peer))).ToList();
                    foreach (var (kind, _) in cells)
                    {
                        counts[kind]++;
                    }

                    text.AppendLine($"| {row.Label} | {string.Join(" | ", cells.Select(c => c.Text))} |");
                }
            }

            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"matrix: {counts["pass"]} pass, {counts["fail"]} fail, {counts["n/a"]} n/a, {counts["not run"]} not run");
            return text.ToString();
        }
    }

    private (string Kind, string Text) Cell(Row row, string peer, PeerSummary? summary)
    {
        if (_passed.TryGetValue((row.Key, peer), out var passed))
        {
            return passed ? ("pass", "pass") : ("fail", "**fail**");
        }

        var lacking = summary is null ? [] : row.Group.Requires.Where(summary.Limitations.ContainsKey).ToList();
        return lacking.Count > 0 ? ("n/a", $"n/a: {summary!.Limitations[lacking[0]]}") : ("not run", "not run");
    }

    /// <summary>A scenario method with no result at all (a group bound to no peer, or a filtered run) still gets its row.</summary>
    private void AddScenariosThatDidNotRun(IEnumerable<Type> groups)
    {
        foreach (var type in groups)
        {
            if (type.GetCustomAttribute<ScenarioGroupAttribute>() is not { } group)
            {
                continue;
            }

            foreach (var method in type.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FactAttribute>() is not null && !_rows.Keys.Any(k => k.Group == type && k.Token == method.MetadataToken))
                {
                    var key = new RowKey(type, method.MetadataToken, method.Name, "");
                    _rows.TryAdd(key, new Row(group, key));
                }
            }
        }
    }

    /// <summary>A theory's arguments as xunit shows them, "(code: 1000)"; empty for a fact.</summary>
    private static string Arguments(string displayName) =>
        displayName.EndsWith(')') && displayName.IndexOf('(', StringComparison.Ordinal) is var open and >= 0 ? displayName[open..] : "";

    /// <summary>A scenario: its method as the group declares it (the same for every peer's class), and a theory's arguments.</summary>
    private readonly record struct RowKey(Type Group, int Token, string Method, string Arguments);

    private sealed record Row(ScenarioGroupAttribute Group, RowKey Key)
    {
        public string Label => Key.Method.Replace('_', ' ') + (Key.Arguments.Length == 0 ? "" : " " + Key.Arguments);
    }
}
