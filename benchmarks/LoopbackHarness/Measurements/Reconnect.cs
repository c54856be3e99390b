using System.Diagnostics;
using LoopbackHarness.Clients;

namespace LoopbackHarness.Measurements;

/// <summary>
/// Reconnect, run last because it kills the echo server. Per trial: kill the server; wait until the client
/// has noticed; queue N sends; start a new server on the same port; time until the client is connected again
/// and all N have been echoed.
/// <list type="bullet">
/// <item>Library (an <see cref="IReconnectingClient"/>): by itself, with the fixed delay it was configured with.
/// Measured from the loss (the target: delay + 100 ms) and from the server being ready.</item>
/// <item>Bare: it has no reconnect, so the reference is a hand-made one: as soon as the server is ready, a new
/// <c>ClientWebSocket</c> connects and sends the N messages. That is the floor for "ready → flushed".</item>
/// <item>Websocket.Client: n/a. It reconnects by itself, but both its sends drop a message silently while it is
/// disconnected, so the N queued messages are never echoed (<see cref="ClientSide.HasReconnectRows"/>).</item>
/// </list>
/// </summary>
internal static class Reconnect
{
    public static async Task RunAsync(BenchContext ctx)
    {
        var o = ctx.Options;
        var m = ctx.Metrics;
        string payload = new('r', 64);
        var sessions = new List<Session>();
        try
        {
            foreach (var side in ctx.Sides)
            {
                if (side.HasReconnectRows)
                {
                    sessions.Add(await ctx.OpenAsync(side, ReceiveMode.Text));
                }
                else
                {
                    ctx.Results.Note(m.ReconnectFromReady, side.Name, "n/a");
                    ctx.Results.Note(m.ReconnectFromLoss, side.Name, "n/a");
                }
            }

            var fromReady = sessions.ToDictionary(s => s, _ => new double[o.ReconnectTrials]);
            var fromLoss = sessions.ToDictionary(s => s, _ => new double[o.ReconnectTrials]);
            for (int trial = 0; trial < o.ReconnectTrials; trial++)
            {
                ctx.Progress($"reconnect, trial {trial + 1}/{o.ReconnectTrials}");
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.Cancellation);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                var ct = timeout.Token;

                // A bare client would report the kill as a fault; it is replaced by hand after the restart anyway.
                foreach (var s in sessions)
                {
                    if (s.Client is not IReconnectingClient)
                    {
                        await s.Client.DisposeAsync();
                    }
                }

                // Each reconnecting client's own moment of noticing the loss (its backoff starts there).
                var lost = sessions.ToDictionary(
                    s => s,
                    s => s.Client is IReconnectingClient r ? StampAsync(r.WaitUntilDisconnectedAsync(ct)) : Task.FromResult(0L));
                int port = ctx.Server.Port;
                long killed = Stopwatch.GetTimestamp();
                await ctx.Server.KillAsync();
                await ctx.Server.DisposeAsync();
                await Task.WhenAll(lost.Values);

                // Queue the sends of the reconnecting clients while they are disconnected.
                var queued = new List<Task>();
                var waits = new Dictionary<Session, Task>();
                var reconnected = new Dictionary<Session, Task>();
                foreach (var s in sessions)
                {
                    if (s.Client is IReconnectingClient r)
                    {
                        s.Sink.ExpectedTextLength = payload.Length;
                        reconnected[s] = r.WaitUntilConnectedAsync(ct);
                        waits[s] = s.Sink.WaitForCountAsync(s.Sink.Count + o.ReconnectQueued).AsTask();
                        for (int i = 0; i < o.ReconnectQueued; i++)
                        {
                            queued.Add(r.SendTextAsync(payload, ct).AsTask());
                        }
                    }
                }

                ctx.Server = await EchoServerProcess.StartAsync(o.ServerDll, port, ct);
                long ready = Stopwatch.GetTimestamp();
                var restart = Stopwatch.GetElapsedTime(killed, ready);
                ctx.Progress($"echo server restarted in {restart.TotalMilliseconds:0} ms");
                if (restart > o.ReconnectDelay)
                {
                    ctx.Results.Footnotes.Add(
                        $"Note: the echo server took {restart.TotalMilliseconds:0} ms to restart, longer than the configured " +
                        "reconnect delay, so a reconnect attempt may have failed before it was up (the reconnect figures include it).");
                }

                foreach (var s in sessions)
                {
                    if (s.Client is IReconnectingClient)
                    {
                        await reconnected[s];
                        await waits[s];
                        long done = Stopwatch.GetTimestamp();
                        fromReady[s][trial] = Stopwatch.GetElapsedTime(ready, done).TotalMilliseconds;
                        fromLoss[s][trial] = Stopwatch.GetElapsedTime(await lost[s], done).TotalMilliseconds;
                    }
                    else
                    {
                        // Hand-made reconnect: new socket at once, then send and await the N echoes.
                        long start = Stopwatch.GetTimestamp();
                        var fresh = s.Side.Create(new ClientRequest(ctx.Server.Uri, ReceiveMode.Text, s.Sink, o.ReconnectDelay));
                        await s.ReplaceClientAsync(fresh);
                        await fresh.ConnectAsync(ct);
                        s.Sink.ExpectedTextLength = payload.Length;
                        ValueTask echoed = s.Sink.WaitForCountAsync(s.Sink.Count + o.ReconnectQueued);
                        for (int i = 0; i < o.ReconnectQueued; i++)
                        {
                            await fresh.SendTextAsync(payload, ct);
                        }

                        await echoed;
                        fromReady[s][trial] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    }
                }

                await Task.WhenAll(queued);
            }

            foreach (var s in sessions)
            {
                ctx.Results.Set(m.ReconnectFromReady, s.Side.Name, Stats.Median(fromReady[s]));
                if (s.Client is IReconnectingClient)
                {
                    ctx.Results.Set(m.ReconnectFromLoss, s.Side.Name, Stats.Median(fromLoss[s]));
                }
                else
                {
                    ctx.Results.Note(m.ReconnectFromLoss, s.Side.Name, "n/a");
                }
            }
        }
        finally
        {
            await SessionList.DisposeAllAsync(sessions);
        }
    }

    private static async Task<long> StampAsync(Task task)
    {
        await task.ConfigureAwait(ConfigureAwaitOptions.None);
        return Stopwatch.GetTimestamp();
    }
}
