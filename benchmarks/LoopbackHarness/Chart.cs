using System.Globalization;
using ScottPlot;

namespace LoopbackHarness;

/// <summary>
/// The picture of a run (ScottPlot): left, the round-trip latency distribution of the three clients (every round trip
/// of every run, as a cumulative distribution); middle, the throughput rows as a ratio to bare (bar: median over the
/// runs, whisker: min to max), each bar labelled with its median messages per second; right, the CPU time per message
/// of the same rounds, the same way (steadier than the rates when the machine is busy).
/// </summary>
internal static class Chart
{
    private static readonly (string Side, Color Color)[] Palette =
    [
        (Sides.Bare, Color.FromHex("#7f7f7f")),
        (Sides.Library, Color.FromHex("#1f77b4")),
        (Sides.Peer, Color.FromHex("#ff7f0e")),
    ];

    public static void Write(string path, Metrics metrics, IReadOnlyList<Results> runs, string caption)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(3);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        Latency(multiplot.GetPlot(0), runs, caption);
        Throughput(multiplot.GetPlot(1), metrics, runs);
        CpuTime(multiplot.GetPlot(2), metrics, runs);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        multiplot.SavePng(path, 2100, 700);
    }

    private static void Latency(Plot plot, IReadOnlyList<Results> runs, string caption)
    {
        double right = 0;
        foreach (var (side, color) in Palette)
        {
            double[] all = [.. runs.SelectMany(r => r.RoundTripMicros.GetValueOrDefault(side) ?? [])];
            if (all.Length == 0)
            {
                continue;
            }

            Array.Sort(all);
            const int Points = 400;
            var xs = new double[Points + 1];
            var ys = new double[Points + 1];
            for (int i = 0; i <= Points; i++)
            {
                // Up to the 99.9th percentile; the extreme tail would squash the rest of the picture.
                double q = i * 0.999 / Points;
                xs[i] = all[Math.Min(all.Length - 1, (int)(q * all.Length))];
                ys[i] = q * 100;
            }

            double median = Quantile(all, 0.50);
            double p99 = Quantile(all, 0.99);
            right = Math.Max(right, p99 * 1.3);
            var line = plot.Add.ScatterLine(xs, ys, color);
            line.LineWidth = 2;
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{side}: median {median:0.0} µs, p99 {p99:0.0} µs");
        }

        plot.Title("Round trip, 64 B echo: distribution, all runs pooled\n" + caption, 14);
        plot.XLabel("round trip (µs)");
        plot.YLabel("round trips at or below (%)");
        plot.Axes.SetLimits(0, right > 0 ? right : 100, 0, 100);
        plot.ShowLegend(Alignment.LowerRight);
    }

    private static void Throughput(Plot plot, Metrics metrics, IReadOnlyList<Results> runs)
    {
        (Metric, string)[] rows = [(metrics.Throughput64, "echo, 64 B"), (metrics.Throughput4K, "echo, 4 KiB"), (metrics.Typed, "typed receive, 256 B")];
        Bars(plot, rows, runs, v => string.Create(CultureInfo.InvariantCulture, $"{v / 1000:#,0}k"));
        plot.Title("Throughput relative to bare (same run)\nbar: median over runs, whisker: min–max, label: msg/s", 14);
        plot.YLabel("× bare ClientWebSocket (higher is better)");
    }

    private static void CpuTime(Plot plot, Metrics metrics, IReadOnlyList<Results> runs)
    {
        (Metric, string)[] rows = [(metrics.Cpu64, "echo, 64 B"), (metrics.Cpu4K, "echo, 4 KiB"), (metrics.TypedCpu, "typed receive, 256 B")];
        Bars(plot, rows, runs, v => string.Create(CultureInfo.InvariantCulture, $"{v:0.00} µs"));
        plot.Title("CPU time per message relative to bare (same rounds)\nbar: median over runs, whisker: min–max, label: µs", 14);
        plot.YLabel("× bare ClientWebSocket (lower is better)");
    }

    /// <summary>Grouped bars, one group per row, one bar per side: the side / bare ratio, labelled with the side's own figure.</summary>
    private static void Bars(Plot plot, (Metric Metric, string Label)[] rows, IReadOnlyList<Results> runs, Func<double, string> label)
    {
        const double Width = 0.27;
        double top = 1.2;
        for (int s = 0; s < Palette.Length; s++)
        {
            var (side, color) = Palette[s];
            var bars = new List<Bar>();
            for (int r = 0; r < rows.Length; r++)
            {
                var (ratios, values) = PerRun(rows[r].Metric, side, runs);
                if (ratios.Length == 0)
                {
                    continue;
                }

                double x = r + ((s - 1) * Width);
                top = Math.Max(top, ratios.Max() + 0.15);
                bars.Add(new Bar
                {
                    Position = x,
                    Value = Stats.Median(ratios),
                    Size = Width * 0.9,
                    FillColor = color,
                    Label = label(Stats.Median(values)),
                });
                if (ratios.Length > 1)
                {
                    var whisker = plot.Add.Line(x, ratios.Min(), x, ratios.Max());
                    whisker.LineColor = Colors.Black;
                    whisker.LineWidth = 1.5f;
                }
            }

            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = side;
            plottable.ValueLabelStyle.FontSize = 11;
        }

        var one = plot.Add.HorizontalLine(1.0, 1, Colors.Black, LinePattern.Dashed);
        one.LegendText = "= bare";
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, rows.Length).Select(i => (double)i)], [.. rows.Select(r => r.Label)]);
        plot.Axes.SetLimits(-0.6, rows.Length - 0.4, 0, top);
        plot.ShowLegend(Edge.Bottom);
    }

    /// <summary>Per run: side / bare and the side's own figure.</summary>
    private static (double[] Ratios, double[] Rates) PerRun(Metric metric, string side, IReadOnlyList<Results> runs)
    {
        var ratios = new List<double>();
        var rates = new List<double>();
        foreach (var run in runs)
        {
            if (run.TryGet(metric, Sides.Bare, out double bare) && bare > 0 && run.TryGet(metric, side, out double value))
            {
                ratios.Add(value / bare);
                rates.Add(value);
            }
        }

        return ([.. ratios], [.. rates]);
    }

    private static double Quantile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
