using System.Globalization;

namespace LoopbackHarness;

/// <summary>The rows of the table, in order, with the targets of the performance issue (issue 15).</summary>
internal sealed class Metrics
{
    public Metrics(HarnessOptions options)
    {
        string quick = options.Quick ? " (quick)" : "";
        string idle = Thousands(options.IdleConnections);
        string scale = Thousands(options.ScaleIdleConnections);
        string stream = Thousands(options.StreamConnections);
        double reconnectBudget = options.ReconnectDelay.TotalMilliseconds + 50;

        Throughput64 = new("echo throughput, 64 B text, pipelined", Fmt.Rate, Goal.RatioAtLeast, 1.00, "≥ 1.00 × bare and ≥ Websocket.Client")
        {
            AtLeastPeer = true,
        };
        Throughput4K = new("echo throughput, 4 KiB text, pipelined", Fmt.Rate, Goal.RatioAtLeast, 1.00, "≥ 1.00 × bare and ≥ Websocket.Client")
        {
            AtLeastPeer = true,
        };
        Cpu64 = new("  CPU time per message in this process, 64 B echo", Fmt.CpuMicros);
        Cpu4K = new("  CPU time per message in this process, 4 KiB echo", Fmt.CpuMicros);
        RttMedian = new("round trip, 64 B, median", Fmt.Micros, Goal.RatioAtMost, 1.02, "≤ 1.02 × bare");
        RttP99 = new("round trip, 64 B, p99", Fmt.Micros, Goal.RatioAtMost, 1.10, "≤ 1.10 × bare");
        Alloc64 = new("allocated per message, 64 B echo (send + receive + string)", Fmt.Bytes, Goal.ExcessAtMost, 16, "≤ bare + 16 B");
        Alloc4K = new("allocated per message, 4 KiB echo", Fmt.Bytes, Goal.RatioAtMost, 1.02, "≤ 1.02 × bare");
        IdleManaged = new($"managed heap per idle connection, {idle} open{quick}", Fmt.KiB, Goal.RatioAtMost, 1.00, "≤ 1.00 × bare");
        IdleWorkingSet = new($"working set per idle connection, {idle} open{quick}", Fmt.KiB);
        ScaleManaged = new($"managed heap per idle connection, {scale} open{quick}", Fmt.KiB, Goal.RatioAtMost, 1.00, "≤ 1.00 × bare");
        ScaleWorkingSet = new($"working set per idle connection, {scale} open{quick}", Fmt.KiB);
        ScaleTimers = new($"active timers per idle connection, {scale} open{quick}", Fmt.Count, ShowRatio: false);
        StreamCpu = new(
            $"CPU time per message, {stream} connections × {options.StreamRate} msg/s each, server-driven{quick}", Fmt.CpuMicros);
        StreamRate = new($"  delivered: messages per second, all {stream} connections", Fmt.Rate, ShowRatio: false);
        StreamTimers = new($"active timers per connection, {stream} connections receiving{quick}", Fmt.Count, ShowRatio: false);
        Typed = new($"typed receive, {options.TickSize} B tick envelopes", Fmt.Rate, Goal.RatioAtLeast, 0.95, "≥ 0.95 × bare, no run < 0.90")
        {
            EveryRunAtLeast = 0.90,
        };
        TypedCpu = new("  CPU time per tick in this process", Fmt.CpuMicros);
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
            string.Create(CultureInfo.InvariantCulture, $"≤ delay + 50 ms = {reconnectBudget:0} ms"));
    }

    public Metric Throughput64 { get; }
    public Metric Throughput4K { get; }
    public Metric Cpu64 { get; }
    public Metric Cpu4K { get; }
    public Metric RttMedian { get; }
    public Metric RttP99 { get; }
    public Metric Alloc64 { get; }
    public Metric Alloc4K { get; }
    public Metric IdleManaged { get; }
    public Metric IdleWorkingSet { get; }
    public Metric ScaleManaged { get; }
    public Metric ScaleWorkingSet { get; }
    public Metric ScaleTimers { get; }
    public Metric StreamCpu { get; }
    public Metric StreamRate { get; }
    public Metric StreamTimers { get; }
    public Metric Typed { get; }
    public Metric TypedCpu { get; }
    public Metric TypedCeiling { get; }
    public Metric ReconnectFromReady { get; }
    public Metric ReconnectFromLoss { get; }

    /// <summary>Every row, in table order (rows of a failed measurement still show).</summary>
    public IEnumerable<Metric> All =>
    [
        Throughput64, Cpu64, Throughput4K, Cpu4K, RttMedian, RttP99, Alloc64, Alloc4K, IdleManaged, IdleWorkingSet,
        ScaleManaged, ScaleWorkingSet, ScaleTimers, StreamCpu, StreamRate, StreamTimers,
        Typed, TypedCpu, TypedCeiling, ReconnectFromReady, ReconnectFromLoss,
    ];

    private static string Thousands(int n) => n.ToString("#,0", CultureInfo.InvariantCulture);
}
