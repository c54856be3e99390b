using System.Diagnostics;
using LoopbackHarness.Clients;

namespace LoopbackHarness.Measurements;

/// <summary>
/// Throughput, round trip and allocations: one connection per side, all open at once, rounds interleaved
/// between the sides (rotating who goes first) so drift (CPU frequency, tiering, the other process) hits all alike.
/// </summary>
internal static class EchoMeasurements
{
    public static async Task RunAsync(BenchContext ctx)
    {
        var o = ctx.Options;
        var m = ctx.Metrics;
        string payload64 = new('x', 64);
        string payload4K = new('y', 4096);
        var sessions = new List<Session>();
        try
        {
            foreach (var side in ctx.Sides)
            {
                sessions.Add(await ctx.OpenAsync(side, ReceiveMode.Text));
            }

            ctx.Progress("warm-up");
            var warmupSamples = new long[200];
            foreach (var s in sessions)
            {
                var warming = Stopwatch.StartNew();
                while (warming.Elapsed < o.WarmupTime)
                {
                    await PipelinedAsync(s, payload64, 5_000, ctx.Cancellation);
                    await PipelinedAsync(s, payload4K, 1_000, ctx.Cancellation);
                    await RoundTripsAsync(s, payload64, warmupSamples, ctx.Cancellation);
                }
            }

            await ThroughputAsync(ctx, sessions, m.Throughput64, m.Cpu64, payload64, o.Messages64);
            await ThroughputAsync(ctx, sessions, m.Throughput4K, m.Cpu4K, payload4K, o.Messages4K);

            ctx.Progress("round trip");
            var samples = sessions.ToDictionary(s => s, _ => new long[o.Rounds * o.RttSamplesPerRound]);
            await BenchContext.InterleaveAsync(sessions, o.Rounds, (s, round) =>
                RoundTripsAsync(s, payload64, samples[s].AsMemory(round * o.RttSamplesPerRound, o.RttSamplesPerRound), ctx.Cancellation));
            foreach (var s in sessions)
            {
                long[] sorted = samples[s];
                Array.Sort(sorted);
                ctx.Results.Set(m.RttMedian, s.Side.Name, ToMicros(Stats.Percentile(sorted, 50)));
                ctx.Results.Set(m.RttP99, s.Side.Name, ToMicros(Stats.Percentile(sorted, 99)));
                ctx.Results.RoundTripMicros[s.Side.Name] = Array.ConvertAll(sorted, ToMicros);
            }

            await AllocationsAsync(ctx, sessions, m.Alloc64, payload64, o.Messages64);
            await AllocationsAsync(ctx, sessions, m.Alloc4K, payload4K, o.Messages4K);
        }
        finally
        {
            await SessionList.DisposeAllAsync(sessions);
        }
    }

    /// <summary>Messages per second (<paramref name="metric"/>) and this process's CPU time per message (<paramref name="cpuMetric"/>).</summary>
    private static async Task ThroughputAsync(BenchContext ctx, List<Session> sessions, Metric metric, Metric cpuMetric, string payload, int messages)
    {
        ctx.Progress(metric.Name);
        var rates = sessions.ToDictionary(s => s, _ => new double[ctx.Options.Rounds]);
        var cpu = sessions.ToDictionary(s => s, _ => new double[ctx.Options.Rounds]);
        await BenchContext.InterleaveAsync(sessions, ctx.Options.Rounds, async (s, round) =>
        {
            var cpuBefore = Environment.CpuUsage.TotalTime;
            var elapsed = await PipelinedAsync(s, payload, messages, ctx.Cancellation);
            cpu[s][round] = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMicroseconds / messages;
            rates[s][round] = messages / elapsed.TotalSeconds;
        });
        foreach (var s in sessions)
        {
            ctx.Results.Set(metric, s.Side.Name, Stats.Median(rates[s]));
            ctx.Results.Set(cpuMetric, s.Side.Name, Stats.Median(cpu[s]));
        }
    }

    private static async Task AllocationsAsync(BenchContext ctx, List<Session> sessions, Metric metric, string payload, int messages)
    {
        ctx.Progress(metric.Name);
        var perMessage = sessions.ToDictionary(s => s, _ => new double[ctx.Options.AllocationRounds]);
        await BenchContext.InterleaveAsync(sessions, ctx.Options.AllocationRounds, async (s, round) =>
        {
            // Process-wide, every thread: the client's send and receive paths and the harness's (allocation-free) loop.
            long before = GC.GetTotalAllocatedBytes(precise: true);
            await PipelinedAsync(s, payload, messages, ctx.Cancellation);
            long after = GC.GetTotalAllocatedBytes(precise: true);
            perMessage[s][round] = (after - before) / (double)messages;
        });
        foreach (var s in sessions)
        {
            ctx.Results.Set(metric, s.Side.Name, Stats.Median(perMessage[s]));
        }
    }

    /// <summary>
    /// This task sends <paramref name="messages"/> back to back (awaiting each send, never each echo) while the
    /// client's receive side delivers the echoes to the sink; time from the first send to the last echo.
    /// </summary>
    public static async Task<TimeSpan> PipelinedAsync(Session s, string payload, int messages, CancellationToken ct)
    {
        s.Sink.ExpectedTextLength = payload.Length;
        long target = s.Sink.Count + messages;
        long start = Stopwatch.GetTimestamp();
        ValueTask allEchoed = s.Sink.WaitForCountAsync(target);
        for (int i = 0; i < messages; i++)
        {
            await s.Client.SendTextAsync(payload, ct);
        }

        await allEchoed;
        var elapsed = Stopwatch.GetElapsedTime(start);
        ThrowOnMismatch(s);
        return elapsed;
    }

    /// <summary>Send one, await its echo, repeat; each round trip in Stopwatch ticks.</summary>
    private static async Task RoundTripsAsync(Session s, string payload, Memory<long> samples, CancellationToken ct)
    {
        s.Sink.ExpectedTextLength = payload.Length;
        for (int i = 0; i < samples.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            ValueTask echoed = s.Sink.WaitForCountAsync(s.Sink.Count + 1);
            await s.Client.SendTextAsync(payload, ct);
            await echoed;
            samples.Span[i] = Stopwatch.GetTimestamp() - start;
        }

        ThrowOnMismatch(s);
    }

    private static void ThrowOnMismatch(Session s)
    {
        if (s.Sink.Mismatches != 0)
        {
            throw new InvalidOperationException($"{s.Side.Name}: {s.Sink.Mismatches} echoed messages had the wrong length.");
        }
    }

    private static double ToMicros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}
