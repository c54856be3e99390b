using System.Diagnostics;
using System.Globalization;
using LoopbackHarness.Clients;

namespace LoopbackHarness.Measurements;

/// <summary>
/// Many connections under a steady server-driven load: N connections of one side, each asks the echo server for a
/// stream of R tick envelopes a second for D seconds (delivered as strings, like the echo rows). CPU time per message =
/// this process's CPU time (every thread: the clients' receive paths, their timers and heartbeats, the GC, the
/// harness's counting) from the first request to the last message, divided by the messages. Also the rate actually
/// delivered (N × R when the machine keeps up) and the active timers per connection at the end of the stream.
/// Sides run one after the other, each after one unmeasured second of the same stream (warm-up).
/// </summary>
internal static class StreamCpu
{
    public static async Task RunAsync(BenchContext ctx)
    {
        int n = ctx.Options.StreamConnections;
        if (FileDescriptors.Shortfall(n, ctx.Server.ProcessId) is { } shortfall)
        {
            ctx.Results.Footnotes.Add("Streaming rows skipped: " + shortfall + ".");
            ctx.Progress("streaming rows skipped: " + shortfall);
            return;
        }

        foreach (var side in ctx.SidesInTurn())
        {
            await MeasureAsync(ctx, side, n);
        }
    }

    private static string Request(int count, HarnessOptions o) => string.Create(CultureInfo.InvariantCulture,
        $$$"""{"type":"stream","data":{"count":{{{count}}},"size":{{{o.StreamMessageSize}}},"rate":{{{o.StreamRate}}}}}""");

    /// <summary>Asks every connection for a stream and waits until <paramref name="total"/> more messages have arrived.</summary>
    private static async Task StreamAsync(IClientUnderTest?[] clients, string request, CountingSink sink, long total, CancellationToken ct)
    {
        ValueTask all = sink.WaitForCountAsync(sink.Count + total);
        foreach (var client in clients)
        {
            await client!.SendTextAsync(request, ct);
        }

        await all.AsTask().WaitAsync(ct);
    }

    private static async Task MeasureAsync(BenchContext ctx, ClientSide side, int n)
    {
        var o = ctx.Options;
        var m = ctx.Metrics;
        int perConnection = Math.Max(1, (int)(o.StreamRate * o.StreamDuration.TotalSeconds));
        long total = (long)perConnection * n;
        ctx.Progress($"streaming, {side.Name}: {n:#,0} connections × {o.StreamRate} msg/s for {o.StreamDuration.TotalSeconds:0} s");
        var clients = new IClientUnderTest?[n];
        using var sink = new CountingSink(ctx.Cancellation) { ExpectedTextLength = o.StreamMessageSize };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(60) + (3 * o.StreamDuration) + (n * TimeSpan.FromMilliseconds(10)));
        try
        {
            long timersBefore = Timer.ActiveCount;
            await IdleMemory.ConnectAllAsync(ctx, side, clients, sink, timeout.Token);
            await Task.Delay(500, ctx.Cancellation);   // let connect-time work settle before the clock starts
            IdleMemory.FullCollect();

            // Warm-up: a second of the same stream (at most half the measured one), unmeasured, so tiered compilation of
            // the paths under this load happens outside the window (the first side in a process would otherwise pay).
            int warmup = Math.Max(1, Math.Min(o.StreamRate, perConnection / 2));
            await StreamAsync(clients, Request(warmup, o), sink, (long)warmup * n, timeout.Token);
            IdleMemory.FullCollect();

            var cpuBefore = Environment.CpuUsage.TotalTime;
            long start = Stopwatch.GetTimestamp();
            await StreamAsync(clients, Request(perConnection, o), sink, total, timeout.Token);
            var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
            var elapsed = Stopwatch.GetElapsedTime(start);
            long timersAfter = Timer.ActiveCount;
            if (sink.Mismatches != 0)
            {
                throw new InvalidOperationException($"{side.Name}: {sink.Mismatches} streamed messages had the wrong length.");
            }

            ctx.Results.Set(m.StreamCpu, side.Name, cpu.TotalMicroseconds / total);
            ctx.Results.Set(m.StreamRate, side.Name, total / elapsed.TotalSeconds);
            ctx.Results.Set(m.StreamTimers, side.Name, (timersAfter - timersBefore) / (double)n);
        }
        finally
        {
            ctx.Progress($"streaming, {side.Name}: closing");
            await IdleMemory.CloseAllAsync(clients);
        }
    }
}
