using System.Globalization;
using System.Text;

namespace LoopbackHarness;

/// <summary>
/// The Markdown table of one or more runs of the harness. Each side's figure is the median over the runs; each ratio
/// (x / bare, or x − bare for allocations) is computed inside a run, against the bare client measured in that same run,
/// and shown as min / median / max over the runs (one value for a single run). Targets are judged on the medians.
/// </summary>
internal static class Report
{
    public static string ToMarkdown(IEnumerable<Metric> metrics, IReadOnlyList<Results> runs)
    {
        var text = new StringBuilder();
        text.AppendLine("| metric | bare | library | library / bare | Websocket.Client | Websocket.Client / bare | target | met? |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---|:---:|");
        foreach (var metric in metrics)
        {
            string bare = Cell(metric, Sides.Bare, runs);
            string library = Cell(metric, Sides.Library, runs);
            string peer = Cell(metric, Sides.Peer, runs);
            string libraryRatio = Spread(metric, Compare(metric, Sides.Library, runs));
            string peerRatio = Spread(metric, Compare(metric, Sides.Peer, runs));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {metric.Name} | {bare} | {library} | {libraryRatio} | {peer} | {peerRatio} | {metric.Target} | {Verdict(metric, runs)} |");
        }

        return text.ToString();
    }

    /// <summary>True when a row with a target is judged missed.</summary>
    public static bool Missed(Metric metric, IReadOnlyList<Results> runs) => Verdict(metric, runs).StartsWith("**NO**", StringComparison.Ordinal);

    /// <summary>The median over the runs of one side's figure, or the note its runs left ("n/a"), or "—".</summary>
    private static string Cell(Metric metric, string side, IReadOnlyList<Results> runs)
    {
        var values = Values(metric, side, runs);
        if (values.Length > 0)
        {
            return metric.Format(Stats.Median(values));
        }

        return runs.Select(r => r.NoteOf(metric, side)).FirstOrDefault(n => n is not null) ?? "—";
    }

    private static double[] Values(Metric metric, string side, IReadOnlyList<Results> runs)
    {
        var list = new List<double>();
        foreach (var run in runs)
        {
            if (run.TryGet(metric, side, out double value))
            {
                list.Add(value);
            }
        }

        return [.. list];
    }

    /// <summary>Per run: side / bare (bare &gt; 0), or side − bare for <see cref="Goal.ExcessAtMost"/>; runs missing either are left out.</summary>
    private static double[] Compare(Metric metric, string side, IReadOnlyList<Results> runs)
    {
        var list = new List<double>();
        foreach (var run in runs)
        {
            if (run.TryGet(metric, Sides.Bare, out double bare) && run.TryGet(metric, side, out double value))
            {
                if (metric.Goal == Goal.ExcessAtMost)
                {
                    list.Add(value - bare);
                }
                else if (bare > 0)
                {
                    // A ratio to nothing or to a negative delta (a noisy working set) means nothing.
                    list.Add(value / bare);
                }
            }
        }

        return [.. list];
    }

    private static string Spread(Metric metric, double[] values)
    {
        if (values.Length == 0 || !metric.ShowRatio || metric.Goal == Goal.LibraryAtMost)
        {
            return "—";
        }

        Func<double, string> format = metric.Goal == Goal.ExcessAtMost ? v => (v >= 0 ? "+" : "") + metric.Format(v) : Fmt.Ratio;
        if (values.Length == 1)
        {
            return format(values[0]);
        }

        return $"{format(values.Min())} / {format(Stats.Median(values))} / {format(values.Max())}";
    }

    private static string Verdict(Metric metric, IReadOnlyList<Results> runs)
    {
        var ratios = Compare(metric, Sides.Library, runs);
        switch (metric.Goal)
        {
            case Goal.RatioAtLeast when ratios.Length > 0:
                var reasons = new List<string>();
                double median = Stats.Median(ratios);
                if (median < metric.Threshold)
                {
                    reasons.Add($"median {Fmt.Ratio(median)} < {Fmt.Ratio(metric.Threshold)}");
                }

                if (!double.IsNaN(metric.EveryRunAtLeast) && ratios.Min() < metric.EveryRunAtLeast)
                {
                    reasons.Add($"a run at {Fmt.Ratio(ratios.Min())} < {Fmt.Ratio(metric.EveryRunAtLeast)}");
                }

                if (metric.AtLeastPeer && LibraryOverPeer(metric, runs) is { Length: > 0 } overPeer && Stats.Median(overPeer) < 1)
                {
                    reasons.Add($"{Fmt.Ratio(Stats.Median(overPeer))} × Websocket.Client");
                }

                return reasons.Count == 0 ? "yes" : $"**NO** ({string.Join("; ", reasons)})";
            case Goal.RatioAtMost when ratios.Length > 0:
                return Stats.Median(ratios) <= metric.Threshold ? "yes" : "**NO**";
            case Goal.ExcessAtMost when ratios.Length > 0:
                return Stats.Median(ratios) <= metric.Threshold ? "yes" : "**NO**";
            case Goal.LibraryAtMost when Values(metric, Sides.Library, runs) is { Length: > 0 } values:
                return Stats.Median(values) <= metric.Threshold ? "yes" : "**NO**";
            default:
                return "—";
        }
    }

    /// <summary>Per run: library / Websocket.Client.</summary>
    private static double[] LibraryOverPeer(Metric metric, IReadOnlyList<Results> runs)
    {
        var list = new List<double>();
        foreach (var run in runs)
        {
            if (run.TryGet(metric, Sides.Library, out double library) && run.TryGet(metric, Sides.Peer, out double peer) && peer != 0)
            {
                list.Add(library / peer);
            }
        }

        return [.. list];
    }
}
