using LoopbackHarness.Clients;

namespace LoopbackHarness.Measurements;

/// <summary>
/// Memory per idle connection: N connected clients that only wait for messages. Managed heap from
/// <see cref="GC.GetTotalMemory(bool)"/> after full collections (the figure with a target) and the process
/// working set (informational: it also sees native socket buffers, but is noisy). Sides run one after the other.
/// </summary>
internal static class IdleMemory
{
    private const int ConnectBatch = 50;

    public static async Task RunAsync(BenchContext ctx)
    {
        foreach (var side in ctx.Sides)
        {
            await MeasureAsync(ctx, side);
        }
    }

    private static async Task MeasureAsync(BenchContext ctx, ClientSide side)
    {
        int n = ctx.Options.IdleConnections;
        ctx.Progress($"idle memory, {side.Name}: {n} connections");
        var clients = new IClientUnderTest?[n];
        var connects = new Task[ConnectBatch];
        using var sink = new CountingSink(ctx.Cancellation);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            FullCollect();
            long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            long workingSetBefore = Environment.WorkingSet;

            for (int first = 0; first < n; first += ConnectBatch)
            {
                int count = Math.Min(ConnectBatch, n - first);
                for (int j = 0; j < count; j++)
                {
                    var client = side.Create(new ClientRequest(ctx.Server.Uri, ReceiveMode.Text, sink, ctx.Options.ReconnectDelay));
                    clients[first + j] = client;
                    connects[j] = client.ConnectAsync(timeout.Token);
                }

                await Task.WhenAll(connects.AsSpan(0, count));
            }

            await Task.Delay(500, ctx.Cancellation);   // let connect-time work (timers, handshakes) settle
            FullCollect();
            long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            long workingSetAfter = Environment.WorkingSet;
            ctx.Results.Set(ctx.Metrics.IdleManaged, side.Name, (heapAfter - heapBefore) / (double)n);
            ctx.Results.Set(ctx.Metrics.IdleWorkingSet, side.Name, (workingSetAfter - workingSetBefore) / (double)n);
            GC.KeepAlive(clients);
        }
        finally
        {
            ctx.Progress($"idle memory, {side.Name}: closing");
            var closing = new List<Task>(ConnectBatch * 2);
            for (int i = 0; i < n; i++)
            {
                if (clients[i] is { } client)
                {
                    closing.Add(client.DisposeAsync().AsTask());
                }

                if (closing.Count == ConnectBatch * 2 || i == n - 1)
                {
                    await Task.WhenAll(closing);
                    closing.Clear();
                }
            }
        }
    }

    private static void FullCollect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
