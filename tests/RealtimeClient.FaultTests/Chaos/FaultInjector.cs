using System.Net.WebSockets;
using RealtimeClient.FaultTests.Proxy;
using RealtimeClient.FaultTests.Server;

namespace RealtimeClient.FaultTests.Chaos;

/// <summary>What a fault schedule did: faults injected by kind, and reconnects that did not come within the bound.</summary>
public sealed class FaultTally
{
    private readonly Dictionary<FaultKind, int> _byKind = [];

    public int Injected => _byKind.Values.Sum();

    /// <summary>Refused-handshake faults after which the client did not connect again within 15 s.</summary>
    public int StalledReconnects { get; set; }

    public IReadOnlyDictionary<FaultKind, int> ByKind => _byKind;

    public void Count(FaultKind kind) => _byKind[kind] = _byKind.GetValueOrDefault(kind) + 1;

    public override string ToString() => string.Join(", ", _byKind.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"));
}

/// <summary>Runs a <see cref="FaultSchedule"/> against the proxy and the server, one fault at a time.</summary>
public static class FaultInjector
{
    private static readonly TimeSpan ReconnectBound = TimeSpan.FromSeconds(15);

    public static async Task<FaultTally> RunAsync(IReadOnlyList<FaultStep> steps, FaultProxy proxy, FaultServer server, ChaosClient client)
    {
        var tally = new FaultTally();
        foreach (var step in steps)
        {
            await ApplyAsync(step, proxy, server, client, tally);
            tally.Count(step.Kind);
            await Task.Delay(step.QuietAfter);
        }

        return tally;
    }

    /// <summary>Lifts every lasting fault: the link and the server are healthy afterwards.</summary>
    public static async Task HealAsync(FaultProxy proxy, FaultServer server)
    {
        proxy.ThawAll();
        proxy.Slow(null);
        proxy.AcceptNew();
        server.RefuseNextHandshakes(0, 503);
        server.CloseNextConnections(0, WebSocketCloseStatus.NormalClosure);
        if (!server.IsRunning)
        {
            await server.StartAgainAsync(keepState: true);
        }
    }

    private static async Task ApplyAsync(FaultStep step, FaultProxy proxy, FaultServer server, ChaosClient client, FaultTally tally)
    {
        switch (step.Kind)
        {
            case FaultKind.Cut:
                proxy.CutAll();
                break;
            case FaultKind.Reset:
                proxy.ResetAll();
                break;
            case FaultKind.Freeze:
                proxy.FreezeAll();
                await Task.Delay(step.Duration);
                proxy.ThawAll();
                break;
            case FaultKind.Slow:
                proxy.Slow(step.Variant == 0 ? LinkSpeed.Delay(TimeSpan.FromMilliseconds(step.Amount)) : LinkSpeed.Rate(step.Amount));
                await Task.Delay(step.Duration);
                proxy.Slow(null);
                break;
            case FaultKind.Refuse:
                proxy.Refuse(step.Variant == 0 ? RefuseMode.AcceptAndClose : RefuseMode.StopListening);
                proxy.CutAll();
                await Task.Delay(step.Duration);
                proxy.AcceptNew();
                break;
            case FaultKind.ServerRestart:
                await server.RestartAsync(step.Duration, keepState: true);
                break;
            case FaultKind.ServerClose:
                if (step.Count > 1)
                {
                    server.CloseNextConnections(1, (WebSocketCloseStatus)step.Code);
                }

                await server.CloseAllAsync((WebSocketCloseStatus)step.Code);
                break;
            case FaultKind.Handshake503:
            case FaultKind.Handshake401:
                // Wait until the client is connected again, so the refusals are used up before the next fault: two 401s
                // with no connection between them would rightly close the connection for good (a token refused twice).
                var connects = client.Connects;
                server.RefuseNextHandshakes(step.Count, step.Code);
                proxy.CutAll();
                using (var bound = new CancellationTokenSource(ReconnectBound))
                {
                    try
                    {
                        await client.WaitForConnectsAsync(connects + 1, bound.Token);
                    }
                    catch (OperationCanceledException) when (bound.IsCancellationRequested)
                    {
                        tally.StalledReconnects++;
                        server.RefuseNextHandshakes(0, step.Code);
                    }
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.Kind, "unknown fault");
        }
    }
}
