using System.Globalization;

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
/// <param name="ShowRatio">False where x / bare means nothing (e.g. the library waits its backoff, bare does not).</param>
internal sealed record Metric(string Name, Func<double, string> Format, Goal Goal = Goal.None, double Threshold = 0, string Target = "—", bool ShowRatio = true)
{
    /// <summary>With <see cref="Goal.RatioAtLeast"/>: every run's ratio must also reach this (NaN: no such floor).</summary>
    public double EveryRunAtLeast { get; init; } = double.NaN;

    /// <summary>The library must also be at least Websocket.Client (median of the runs' library / Websocket.Client ≥ 1).</summary>
    public bool AtLeastPeer { get; init; }
}

/// <summary>The figures of one run of the harness, keyed by metric and side, plus the raw round-trip samples.</summary>
internal sealed class Results
{
    private readonly Dictionary<(Metric, string), double> _values = [];
    private readonly Dictionary<(Metric, string), string> _notes = [];

    public List<string> Footnotes { get; } = [];

    /// <summary>Every round trip of each side in this run, in µs, sorted (the chart's latency distribution).</summary>
    public Dictionary<string, double[]> RoundTripMicros { get; } = [];

    public void Set(Metric metric, string side, double value) => _values[(metric, side)] = value;

    /// <summary>A cell without a number ("n/a", "error", …).</summary>
    public void Note(Metric metric, string side, string text) => _notes[(metric, side)] = text;

    public bool TryGet(Metric metric, string side, out double value) => _values.TryGetValue((metric, side), out value);

    public string? NoteOf(Metric metric, string side) => _notes.GetValueOrDefault((metric, side));
}

/// <summary>Names of the three columns.</summary>
internal static class Sides
{
    public const string Bare = "bare";
    public const string Library = "library";
    public const string Peer = "Websocket.Client";
}

/// <summary>Number formats for the table.</summary>
internal static class Fmt
{
    public static string Rate(double perSecond) => perSecond.ToString("#,0", CultureInfo.InvariantCulture) + " msg/s";

    public static string Micros(double microseconds) => microseconds.ToString("#,0.0", CultureInfo.InvariantCulture) + " µs";

    public static string Millis(double milliseconds) => milliseconds.ToString("#,0", CultureInfo.InvariantCulture) + " ms";

    public static string Bytes(double bytes) => bytes.ToString("#,0", CultureInfo.InvariantCulture) + " B";

    public static string KiB(double bytes) => (bytes / 1024).ToString("#,0.0", CultureInfo.InvariantCulture) + " KiB";

    /// <summary>CPU time per message, in µs (the value is µs already).</summary>
    public static string CpuMicros(double microseconds) => microseconds.ToString("#,0.00", CultureInfo.InvariantCulture) + " µs";

    public static string Count(double count) => count.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Ratio(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture);
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
