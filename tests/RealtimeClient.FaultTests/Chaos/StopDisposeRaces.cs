using System.Net.WebSockets;
using RealtimeClient.FaultTests.Proxy;
using RealtimeClient.FaultTests.Server;

namespace RealtimeClient.FaultTests.Chaos;

/// <summary>One race: its plan, and how the stop/dispose calls and the sends in flight ended.</summary>
public sealed record RaceOutcome(RacePlan Plan, bool ConnectedAtStop, StopOutcome Ending, int Sends, int SendsNeverCompleted)
{
    public override string ToString() =>
        $"{Plan} ({(ConnectedAtStop ? "connected" : "not connected")}): {Ending}; {SendsNeverCompleted} of {Sends} sends never completed";
}

/// <summary>
/// Stop and dispose races: on fresh connections, each through its own proxy to a shared server, sends are in flight and
/// a fault hits the link at a random moment while StopAsync and/or DisposeAsync are called at another random moment.
/// Every call must return (within a bound) without throwing, and every send in flight must complete.
/// </summary>
public static class StopDisposeRaces
{
    /// <summary>A stop or dispose slower than this is a hang (the close timeout of the races is 0.5 s).</summary>
    public static readonly TimeSpan HangBound = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan AfterBound = TimeSpan.FromSeconds(2);
    private const int Parallelism = 6;
    private const int ProxyBufferSize = 64 * 1024;
    // 10 MiB: more than a loopback socket's send buffer grows to (4 MiB here) plus the proxy's 64 KiB, so writes block.
    private const int BurstMessages = 160;
    private static readonly string BigText = new('x', 64 * 1024);

    public static async Task<IReadOnlyList<RaceOutcome>> RunAsync(int seed, int races, FaultServer server)
    {
        var plans = RacePlan.Create(seed, races);
        var outcomes = new RaceOutcome[races];
        var next = -1;
        var workers = Enumerable.Range(0, Parallelism).Select(async _ =>
        {
            int index;
            // Bounded: each pass takes one race number, until there are none left.
            while ((index = Interlocked.Increment(ref next)) < races)
            {
                outcomes[index] = await RunOneAsync(plans[index], server);
            }
        });
        await Task.WhenAll(workers);
        return outcomes;
    }

    private static async Task<RaceOutcome> RunOneAsync(RacePlan plan, FaultServer server)
    {
        var proxy = new FaultProxy(server.Port, socketBufferSize: ProxyBufferSize);
        var path = $"/ws/race-{plan.Index}";
        var tokens = 0;
        var client = new ChaosClient(proxy.WebSocketUri(path), () => $"race-{plan.Index}-{Interlocked.Increment(ref tokens)}", ChaosSettings.RaceTimings);
        var sends = new List<Task<SendResult>>();
        using var stopSending = new CancellationTokenSource();
        if (plan.Started)
        {
            client.Start();
        }

        var burst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var producer = ProduceAsync(client, sends, burst.Task, stopSending.Token);
        var injector = InjectAsync(proxy, server, path, plan, burst);

        await Task.Delay(plan.StopAtMs);
        var connected = client.Connects > 0;
        var during = Task.CompletedTask;
        if (plan.Timing == RaceTiming.JustBeforeTheStop)
        {
            await StrikeAsync(proxy, server, path, plan, burst);
        }
        else if (plan.Timing == RaceTiming.DuringTheStop)
        {
            during = Task.Run(() => StrikeAsync(proxy, server, path, plan, burst));
        }

        var ending = await EndAsync(client, plan.End); // sends keep coming while StopAsync and DisposeAsync run
        stopSending.Cancel();
        await producer;
        await during;
        await injector;
        await proxy.DisposeAsync(); // releases anything still waiting on the link
        Task[] inFlight;
        lock (sends)
        {
            inFlight = [.. sends];
        }

        await Task.WhenAny(Task.WhenAll(inFlight), Task.Delay(AfterBound));
        return new RaceOutcome(plan, connected, ending, inFlight.Length, inFlight.Count(t => !t.IsCompleted));
    }

    private static async Task<StopOutcome> EndAsync(ChaosClient client, RaceEnd end)
    {
        switch (end)
        {
            case RaceEnd.StopThenDispose:
                var stop = await StopOutcome.MeasureAsync("StopAsync", () => client.StopAsync(CancellationToken.None), HangBound);
                var dispose = await StopOutcome.MeasureAsync("DisposeAsync", () => client.DisposeAsync().AsTask(), HangBound);
                return StopOutcome.InSequence(stop, dispose);
            case RaceEnd.Dispose:
                return await StopOutcome.MeasureAsync("DisposeAsync", () => client.DisposeAsync().AsTask(), HangBound);
            default:
                var both = await Task.WhenAll(
                    Task.Run(() => StopOutcome.MeasureAsync("StopAsync", () => client.StopAsync(CancellationToken.None), HangBound)),
                    Task.Run(() => StopOutcome.MeasureAsync("DisposeAsync", () => client.DisposeAsync().AsTask(), HangBound)));
                return StopOutcome.Together(both[0], both[1]);
        }
    }

    /// <summary>
    /// Sends pairs every 2 ms until told to stop (after the stop and dispose calls have returned, so that sends race
    /// them); after a freeze, a burst of 64 KiB messages fills the socket buffers so that writes block.
    /// </summary>
    private static async Task ProduceAsync(ChaosClient client, List<Task<SendResult>> sends, Task burst, CancellationToken stop)
    {
        var i = 0;
        var burstSent = false;
        // Bounded by the race's end: the stop moment (at most 500 ms) plus the stop and dispose calls (bounded each).
        while (!stop.IsCancellationRequested)
        {
            Add(sends, client.SendAcknowledgedAsync(DeliveryCheck.AckText(i)));
            Add(sends, client.SendAtMostOnceAsync(DeliveryCheck.AtMostOnceText(i)));
            i++;
            if (!burstSent && burst.IsCompleted)
            {
                burstSent = true;
                for (var b = 0; b < BurstMessages; b++)
                {
                    Add(sends, client.SendAtMostOnceAsync(DeliveryCheck.ChatMessage($"b-{b}-{BigText}")));
                }
            }

            try
            {
                await Task.Delay(2, stop);
            }
            catch (OperationCanceledException)
            {
                return; // the race is over
            }
        }
    }

    private static void Add(List<Task<SendResult>> sends, Task<SendResult> send)
    {
        lock (sends)
        {
            sends.Add(send);
        }
    }

    /// <summary>The fault's own moment: the freeze of a freeze-then-reset always, the strike when its timing is its own.</summary>
    private static async Task InjectAsync(FaultProxy proxy, FaultServer server, string path, RacePlan plan, TaskCompletionSource burst)
    {
        await Task.Delay(plan.FaultAtMs);
        if (plan.Fault == RaceFault.FreezeThenReset)
        {
            proxy.FreezeAll();
            burst.TrySetResult();
            if (plan.Timing != RaceTiming.OwnMoment)
            {
                return;
            }

            await Task.Delay(plan.ResetAfterMs);
        }
        else if (plan.Timing != RaceTiming.OwnMoment)
        {
            return;
        }

        await StrikeAsync(proxy, server, path, plan, burst);
    }

    private static async Task StrikeAsync(FaultProxy proxy, FaultServer server, string path, RacePlan plan, TaskCompletionSource burst)
    {
        switch (plan.Fault)
        {
            case RaceFault.Cut:
                proxy.CutAll();
                break;
            case RaceFault.Reset:
            case RaceFault.FreezeThenReset:
                proxy.ResetAll();
                break;
            case RaceFault.Freeze:
                proxy.FreezeAll();
                burst.TrySetResult();
                break;
            case RaceFault.Slow:
                proxy.Slow(LinkSpeed.Rate(20_000));
                break;
            case RaceFault.Refuse:
                proxy.Refuse(RefuseMode.AcceptAndClose);
                proxy.CutAll();
                break;
            case RaceFault.ServerClose:
                await server.CloseAllAsync((WebSocketCloseStatus)plan.CloseCode, path);
                break;
            case RaceFault.None:
                break;
        }
    }
}
