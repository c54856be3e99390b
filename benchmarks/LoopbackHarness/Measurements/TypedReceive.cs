using System.Diagnostics;
using System.Globalization;
using LoopbackHarness.Clients;

namespace LoopbackHarness.Measurements;

/// <summary>
/// Typed receive: the client asks the echo server for a burst of N tick envelopes and decodes each one into a
/// <see cref="Tick"/>; ticks per second from the request to the last tick. Bare = receive into a reused buffer +
/// <c>JsonSerializer.Deserialize</c> of the envelope with source-generated metadata; library = its decode and
/// dispatch (<c>On&lt;Tick&gt;("tick", …)</c>). A bare client that only counts the same burst shows the ceiling
/// set by the server and the socket; when the typed figures sit at that ceiling the ratio says little.
/// </summary>
internal static class TypedReceive
{
    public static async Task RunAsync(BenchContext ctx)
    {
        var o = ctx.Options;
        var runs = new List<(Session Session, Metric Metric)>();
        try
        {
            foreach (var side in ctx.Sides)
            {
                runs.Add((await ctx.OpenAsync(side, ReceiveMode.Ticks), ctx.Metrics.Typed));
            }

            runs.Add((await ctx.OpenAsync(ctx.Sides[0], ReceiveMode.CountOnly), ctx.Metrics.TypedCeiling));

            ctx.Progress(ctx.Metrics.Typed.Name);
            foreach (var (session, _) in runs)
            {
                var warming = Stopwatch.StartNew();
                while (warming.Elapsed < o.WarmupTime / 2)
                {
                    await BurstAsync(session, 10_000, o.TickSize, ctx.Cancellation);
                }
            }

            var rates = runs.ToDictionary(r => r.Session, _ => new double[o.Rounds]);
            var cpu = runs.ToDictionary(r => r.Session, _ => new double[o.Rounds]);
            await BenchContext.InterleaveAsync(runs, o.Rounds, async (run, round) =>
            {
                var cpuBefore = Environment.CpuUsage.TotalTime;
                var elapsed = await BurstAsync(run.Session, o.Ticks, o.TickSize, ctx.Cancellation);
                cpu[run.Session][round] = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMicroseconds / o.Ticks;
                rates[run.Session][round] = o.Ticks / elapsed.TotalSeconds;
            });

            foreach (var (session, metric) in runs)
            {
                ctx.Results.Set(metric, session.Side.Name, Stats.Median(rates[session]));
                if (metric == ctx.Metrics.Typed)
                {
                    ctx.Results.Set(ctx.Metrics.TypedCpu, session.Side.Name, Stats.Median(cpu[session]));
                }
            }
        }
        finally
        {
            foreach (var (session, _) in runs)
            {
                await session.DisposeAsync();
            }
        }
    }

    private static async Task<TimeSpan> BurstAsync(Session s, int count, int size, CancellationToken ct)
    {
        string request = string.Create(CultureInfo.InvariantCulture, $$$"""{"type":"burst","data":{"count":{{{count}}},"size":{{{size}}}}}""");
        long start = Stopwatch.GetTimestamp();
        ValueTask all = s.Sink.WaitForCountAsync(s.Sink.Count + count);
        await s.Client.SendTextAsync(request, ct);
        await all;
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (s.Sink.Mismatches != 0)
        {
            throw new InvalidOperationException($"{s.Side.Name}: {s.Sink.Mismatches} ticks decoded without a symbol.");
        }

        return elapsed;
    }
}
