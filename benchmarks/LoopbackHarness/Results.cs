using System.Globalization;
using System.Text;

namespace LoopbackHarness;

/// <summary>How a row's library figure is judged against the bare one.</summary>
internal enum Goal
{
    /// <summary>Informational row.</summary>
    None,

    /// <summary>library / bare ≥ threshold (throughput).</summary>
    RatioAtLeast,

    /// <summary>library / bare ≤ threshold (latency, memory).</summary>
    RatioAtMost,

    /// <summary>library − bare ≤ threshold (allocation).</summary>
    ExcessAtMost,

    /// <summary>library ≤ threshold, bare does not apply (reconnect).</summary>
    LibraryAtMost,
}

/// <summary>One row of the table.</summary>
/// <param name="ShowRatio">False where library / bare means nothing (e.g. the library waits its backoff, bare does not).</param>
internal sealed record Metric(string Name, Func<double, string> Format, Goal Goal = Goal.None, double Threshold = 0, string Target = "—", bool ShowRatio = true);

/// <summary>The figures of a run, keyed by metric and side, and the table they make.</summary>
internal sealed class Results
{
    private readonly List<Metric> _order = [];
    private readonly Dictionary<(Metric, string), double> _values = [];
    private readonly Dictionary<(Metric, string), string> _notes = [];

    public List<string> Footnotes { get; } = [];

    /// <summary>Fixes the row order up front, so rows of a failed measurement still show.</summary>
    public void Declare(IEnumerable<Metric> metrics)
    {
        foreach (var metric in metrics)
        {
            Track(metric);
        }
    }

    public void Set(Metric metric, string side, double value)
    {
        Track(metric);
        _values[(metric, side)] = value;
    }

    /// <summary>A cell without a number ("n/a", "error", …).</summary>
    public void Note(Metric metric, string side, string text)
    {
        Track(metric);
        _notes[(metric, side)] = text;
    }

    public bool AnyTargetMissed { get; private set; }

    public string ToMarkdown(bool libraryWired)
    {
        var text = new StringBuilder();
        text.AppendLine("| metric | bare | library | ratio | target | met? |");
        text.AppendLine("|---|---:|---:|---:|---|:---:|");
        foreach (var metric in _order)
        {
            bool hasBare = _values.TryGetValue((metric, Sides.Bare), out double bare);
            bool hasLibrary = _values.TryGetValue((metric, Sides.Library), out double library);
            string bareCell = hasBare ? metric.Format(bare) : _notes.GetValueOrDefault((metric, Sides.Bare), "—");
            string libraryCell = hasLibrary ? metric.Format(library)
                : _notes.GetValueOrDefault((metric, Sides.Library), libraryWired ? "—" : "pending");

            string ratio = "—";
            string met = metric.Goal == Goal.None ? "—" : libraryWired ? "—" : "pending";
            switch (metric.Goal)
            {
                case Goal.None when hasBare && hasLibrary && bare != 0 && metric.ShowRatio:
                case Goal.RatioAtLeast or Goal.RatioAtMost when hasBare && hasLibrary && bare != 0:
                    double r = library / bare;
                    ratio = r.ToString("0.00", CultureInfo.InvariantCulture);
                    if (metric.Goal != Goal.None)
                    {
                        met = Verdict(metric.Goal == Goal.RatioAtLeast ? r >= metric.Threshold : r <= metric.Threshold);
                    }

                    break;
                case Goal.ExcessAtMost when hasBare && hasLibrary:
                    double excess = library - bare;
                    ratio = (excess >= 0 ? "+" : "") + metric.Format(excess);
                    met = Verdict(excess <= metric.Threshold);
                    break;
                case Goal.LibraryAtMost when hasLibrary:
                    met = Verdict(library <= metric.Threshold);
                    break;
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"| {metric.Name} | {bareCell} | {libraryCell} | {ratio} | {metric.Target} | {met} |");
        }

        foreach (var footnote in Footnotes)
        {
            text.AppendLine();
            text.AppendLine(footnote);
        }

        return text.ToString();
    }

    private string Verdict(bool ok)
    {
        AnyTargetMissed |= !ok;
        return ok ? "yes" : "**NO**";
    }

    private void Track(Metric metric)
    {
        if (!_order.Contains(metric))
        {
            _order.Add(metric);
        }
    }
}

/// <summary>Names of the two columns.</summary>
internal static class Sides
{
    public const string Bare = "bare";
    public const string Library = "library";
}

/// <summary>Number formats for the table.</summary>
internal static class Fmt
{
    public static string Rate(double perSecond) => perSecond.ToString("#,0", CultureInfo.InvariantCulture) + " msg/s";

    public static string Micros(double microseconds) => microseconds.ToString("#,0.0", CultureInfo.InvariantCulture) + " µs";

    public static string Millis(double milliseconds) => milliseconds.ToString("#,0", CultureInfo.InvariantCulture) + " ms";

    public static string Bytes(double bytes) => bytes.ToString("#,0", CultureInfo.InvariantCulture) + " B";

    public static string KiB(double bytes) => (bytes / 1024).ToString("#,0.0", CultureInfo.InvariantCulture) + " KiB";
}

/// <summary>Order statistics.</summary>
internal static class Stats
{
    public static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        return n == 0 ? double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Nearest-rank percentile of already sorted values.</summary>
    public static long Percentile(long[] sorted, double percentile)
    {
        int rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
