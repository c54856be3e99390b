using System.Diagnostics;
using RealtimeClient.FaultTests.Proxy;
using RealtimeClient.FaultTests.Server;

namespace RealtimeClient.FaultTests.Chaos;

/// <summary>What the delivery run measured.</summary>
public sealed record DeliveryResult(DeliveryFigures Figures, FaultTally Faults, int Connects, string? ClosedFor, StopOutcome FinalStop, TimeSpan Took);

/// <summary>
/// The delivery part of the chaos suite: through the proxy, the client sends acknowledged and at-most-once messages,
/// paced over the fault phase, while the fault schedule runs; then the link is healed, the sends are given time to
/// finish, the client is stopped and disposed, and what the server recorded is compared with what was sent.
/// </summary>
public static class DeliveryRun
{
    private static readonly TimeSpan FirstConnectBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AfterStopBound = TimeSpan.FromSeconds(5);

    public static async Task<DeliveryResult> RunAsync(ChaosSettings settings)
    {
        var clock = Stopwatch.StartNew();
        await using var server = await FaultServer.StartAsync();
        await using var proxy = new FaultProxy(server.Port);
        var tokens = 0;
        var client = new ChaosClient(proxy.WebSocketUri(), () => $"token-{Interlocked.Increment(ref tokens)}", ChaosSettings.DeliveryTimings);
        var disposed = false;
        try
        {
            client.Start();
            using (var first = new CancellationTokenSource(FirstConnectBound))
            {
                await client.WaitForConnectsAsync(1, first.Token);
            }

            var acked = new Task<SendResult>[settings.Messages];
            var atMostOnce = new Task<SendResult>[settings.Messages];
            var schedule = FaultSchedule.Create(settings.Seed, settings.FaultPhase);
            var producer = ProduceAsync(client, acked, atMostOnce, settings.FaultPhase);
            var faults = await FaultInjector.RunAsync(schedule, proxy, server, client);
            await producer;

            await FaultInjector.HealAsync(proxy, server);
            await WaitBoundedAsync(acked.Concat(atMostOnce), DrainBound);
            var connects = client.Connects;
            var closedFor = client.ClosedFor;

            var stop = await StopOutcome.MeasureAsync("StopAsync", () => client.StopAsync(CancellationToken.None), StopBound);
            disposed = true;
            var dispose = await StopOutcome.MeasureAsync("DisposeAsync", () => client.DisposeAsync().AsTask(), StopBound);
            await WaitBoundedAsync(acked.Concat(atMostOnce), AfterStopBound);

            var received = server.Received.All();
            ChaosDump.Write(settings, received);
            var figures = DeliveryCheck.Compute(settings.Messages, received, acked, atMostOnce);
            var finalStop = StopOutcome.InSequence(stop, dispose);
            return new DeliveryResult(figures, faults, connects, closedFor, finalStop, clock.Elapsed);
        }
        finally
        {
            if (!disposed)
            {
                // The run failed before its own stop: do not leave a client reconnecting in the background.
                await StopOutcome.MeasureAsync("DisposeAsync", () => client.DisposeAsync().AsTask(), StopBound);
            }
        }
    }

    /// <summary>Sends message pairs (acknowledged, then at-most-once) evenly over <paramref name="span"/>, never awaiting an outcome.</summary>
    private static async Task ProduceAsync(ChaosClient client, Task<SendResult>[] acked, Task<SendResult>[] atMostOnce, TimeSpan span)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < acked.Length; i++)
        {
            var ahead = span * ((double)i / acked.Length) - clock.Elapsed;
            if (ahead > TimeSpan.FromMilliseconds(15))
            {
                await Task.Delay(ahead);
            }

            acked[i] = client.SendAcknowledgedAsync(DeliveryCheck.AckText(i));
            atMostOnce[i] = client.SendAtMostOnceAsync(DeliveryCheck.AtMostOnceText(i));
        }
    }

    private static async Task WaitBoundedAsync(IEnumerable<Task> tasks, TimeSpan bound) =>
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(bound));
}
