using LoopbackHarness.Clients;

namespace LoopbackHarness.Measurements;

/// <summary>
/// Memory per idle connection: N connected clients that only wait for messages, at two sizes (1,000 and the scale row's
/// 10,000). Managed heap from <see cref="GC.GetTotalMemory(bool)"/> after full collections (the figure with a target),
/// the process working set (informational: it also sees native socket buffers, but is noisy), and at the scale size the
/// active timers (<see cref="Timer.ActiveCount"/>) the clients added. Sides run one after the other. Memory is the
/// marginal cost: measured over the second half of the N connections, the first half being open already.
/// </summary>
internal static class IdleMemory
{
    private const int ConnectBatch = 100;

    public static async Task RunAsync(BenchContext ctx)
    {
        var m = ctx.Metrics;
        foreach (var side in ctx.SidesInTurn())
        {
            await MeasureAsync(ctx, side, ctx.Options.IdleConnections, m.IdleManaged, m.IdleWorkingSet, timers: null);
        }
    }

    /// <summary>The scale rows: as <see cref="RunAsync"/> with many more connections, if the descriptor limits allow.</summary>
    public static async Task RunScaleAsync(BenchContext ctx)
    {
        var m = ctx.Metrics;
        int n = ctx.Options.ScaleIdleConnections;
        if (FileDescriptors.Shortfall(n, ctx.Server.ProcessId) is { } shortfall)
        {
            foreach (var side in ctx.Sides)
            {
                ctx.Results.Note(m.ScaleManaged, side.Name, "skipped");
                ctx.Results.Note(m.ScaleWorkingSet, side.Name, "skipped");
                ctx.Results.Note(m.ScaleTimers, side.Name, "skipped");
            }

            ctx.Results.Footnotes.Add("Scale rows skipped: " + shortfall + ".");
            ctx.Progress("scale rows skipped: " + shortfall);
            return;
        }

        foreach (var side in ctx.SidesInTurn())
        {
            await MeasureAsync(ctx, side, n, m.ScaleManaged, m.ScaleWorkingSet, m.ScaleTimers);
        }
    }

    private static async Task MeasureAsync(BenchContext ctx, ClientSide side, int n, Metric heap, Metric workingSet, Metric? timers)
    {
        ctx.Progress($"idle memory, {side.Name}: {n:#,0} connections");
        var clients = new IClientUnderTest?[n];
        using var sink = new CountingSink(ctx.Cancellation);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(30) + (n * TimeSpan.FromMilliseconds(10)));
        try
        {
            // The marginal cost: the first half of the connections opens first and stays open, the figures are taken
            // over the second half. What the first connections in a process grow once (code, statics, pools and tables
            // sized to N) and what an earlier side left behind for reuse land in the first half; measured over all N
            // from an empty start, the figure moved with the order of the sides (bare: 17.4 KiB when first in the
            // process, 9.7 after the other two, 12.6 when first in a later run).
            // The working set (resident pages: GC heap as committed, native memory, code) swings by megabytes when the
            // GC commits or releases memory, so it is taken over all N connections, from before the first half.
            int half = n / 2;
            long timersBefore = Timer.ActiveCount;
            FullCollect();
            long workingSetBefore = Environment.WorkingSet;
            await ConnectAllAsync(ctx, side, clients.AsMemory(0, half), sink, timeout.Token);
            await Task.Delay(500, ctx.Cancellation);   // let connect-time work (timers, handshakes) settle
            FullCollect();
            long heapBefore = GC.GetTotalMemory(forceFullCollection: true);

            await ConnectAllAsync(ctx, side, clients.AsMemory(half), sink, timeout.Token);

            await Task.Delay(500, ctx.Cancellation);
            FullCollect();
            long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            long workingSetAfter = Environment.WorkingSet;
            int measured = n - half;
            ctx.Results.Set(heap, side.Name, (heapAfter - heapBefore) / (double)measured);
            ctx.Results.Set(workingSet, side.Name, (workingSetAfter - workingSetBefore) / (double)n);
            if (timers is not null)
            {
                // Later, so one-shot timers of the connect (a connect timeout left to fire) have gone: what stays.
                await Task.Delay(ctx.Options.TimerSettle, ctx.Cancellation);
                ctx.Results.Set(timers, side.Name, (Timer.ActiveCount - timersBefore) / (double)n);
            }

            GC.KeepAlive(clients);
        }
        finally
        {
            ctx.Progress($"idle memory, {side.Name}: closing");
            await CloseAllAsync(clients);
        }
    }

    /// <summary>Creates and connects one client per slot, <see cref="ConnectBatch"/> at a time; all on <paramref name="sink"/>.</summary>
    public static async Task ConnectAllAsync(BenchContext ctx, ClientSide side, Memory<IClientUnderTest?> clients, IInboundSink sink, CancellationToken ct)
    {
        var connects = new Task[ConnectBatch];
        for (int first = 0; first < clients.Length; first += ConnectBatch)
        {
            int count = Math.Min(ConnectBatch, clients.Length - first);
            for (int j = 0; j < count; j++)
            {
                var client = side.Create(new ClientRequest(ctx.Server.Uri, ReceiveMode.Text, sink, ctx.Options.ReconnectDelay));
                clients.Span[first + j] = client;
                connects[j] = client.ConnectAsync(ct);
            }

            await Task.WhenAll(connects.AsSpan(0, count));
        }
    }

    /// <summary>Disposes every client, <see cref="ConnectBatch"/> × 2 at a time.</summary>
    public static async Task CloseAllAsync(IClientUnderTest?[] clients)
    {
        var closing = new List<Task>(ConnectBatch * 2);
        for (int i = 0; i < clients.Length; i++)
        {
            if (clients[i] is { } client)
            {
                closing.Add(client.DisposeAsync().AsTask());
            }

            if (closing.Count == ConnectBatch * 2 || i == clients.Length - 1)
            {
                await Task.WhenAll(closing);
                closing.Clear();
            }
        }
    }

    public static void FullCollect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
