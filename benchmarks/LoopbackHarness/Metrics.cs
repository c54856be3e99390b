using System.Globalization;

namespace LoopbackHarness;

/// <summary>The rows of the table, in order, with the targets.</summary>
internal sealed class Metrics
{
    public Metrics(HarnessOptions options)
    {
        string connections = options.IdleConnections.ToString("#,0", CultureInfo.InvariantCulture);
        string quick = options.Quick ? " (quick)" : "";
        double reconnectBudget = options.ReconnectDelay.TotalMilliseconds + 100;

        Throughput64 = new("echo throughput, 64 B text, pipelined", Fmt.Rate, Goal.RatioAtLeast, 0.95, "≥ 0.95 × bare");
        Throughput4K = new("echo throughput, 4 KiB text, pipelined", Fmt.Rate, Goal.RatioAtLeast, 0.95, "≥ 0.95 × bare");
        RttMedian = new("round trip, 64 B, median", Fmt.Micros, Goal.RatioAtMost, 1.10, "≤ 1.10 × bare");
        RttP99 = new("round trip, 64 B, p99", Fmt.Micros);
        Alloc64 = new("allocated per message, 64 B echo (send + receive + string)", Fmt.Bytes, Goal.ExcessAtMost, 64, "≤ bare + 64 B");
        Alloc4K = new("allocated per message, 4 KiB echo", Fmt.Bytes);
        IdleManaged = new($"managed heap per idle connection, {connections} open{quick}", Fmt.KiB, Goal.RatioAtMost, 1.25, "≤ 1.25 × bare");
        IdleWorkingSet = new($"working set per idle connection, {connections} open{quick}", Fmt.KiB);
        Typed = new($"typed receive, {options.TickSize} B tick envelopes", Fmt.Rate, Goal.RatioAtLeast, 0.90, "≥ 0.90 × bare");
        TypedCeiling = new("  reference: same burst, counted without decoding (server ceiling)", Fmt.Rate);
        ReconnectFromReady = new(
            $"reconnect: server ready → connected + {options.ReconnectQueued} queued echoed (bare: new socket by hand, at once)",
            Fmt.Millis,
            ShowRatio: false);
        ReconnectFromLoss = new(
            $"reconnect: connection lost → connected + flushed (delay {options.ReconnectDelay.TotalMilliseconds:0} ms)",
            Fmt.Millis,
            Goal.LibraryAtMost,
            reconnectBudget,
            string.Create(CultureInfo.InvariantCulture, $"≤ delay + 100 ms = {reconnectBudget:0} ms"));
    }

    public Metric Throughput64 { get; }
    public Metric Throughput4K { get; }
    public Metric RttMedian { get; }
    public Metric RttP99 { get; }
    public Metric Alloc64 { get; }
    public Metric Alloc4K { get; }
    public Metric IdleManaged { get; }
    public Metric IdleWorkingSet { get; }
    public Metric Typed { get; }
    public Metric TypedCeiling { get; }
    public Metric ReconnectFromReady { get; }
    public Metric ReconnectFromLoss { get; }

    /// <summary>Every row, so the table keeps its order even when a run fails part-way.</summary>
    public IEnumerable<Metric> All =>
    [
        Throughput64, Throughput4K, RttMedian, RttP99, Alloc64, Alloc4K, IdleManaged, IdleWorkingSet,
        Typed, TypedCeiling, ReconnectFromReady, ReconnectFromLoss,
    ];
}
