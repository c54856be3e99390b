using System.Text.Json.Serialization;
using RealtimeClient.Tests.Engine;
using RealtimeClient.Tests.Infrastructure;

namespace RealtimeClient.Tests.Streams;

public sealed record Tick(int Seq);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Tick))]
public sealed partial class StreamJson : JsonSerializerContext;

/// <summary>Typed streams at the level of the whole connection: they outlive sockets and survive their subscribers.</summary>
public class ConnectionStreamTests
{
    private static string TickFrame(int seq) => $"{{\"type\":\"tick\",\"data\":{{\"seq\":{seq}}}}}";

    [Fact]
    public async Task One_subscription_and_one_await_foreach_receive_every_message_across_three_reconnects()
    {
        await using var h = new Harness(o => new RealtimeOptions
        {
            Uri = o.Uri,
            Connector = o.Connector,
            Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(1) },
        });
        var observed = new Recorder<Tick>(h.Connection.On("tick", StreamJson.Default.Tick));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var enumerated = new List<int>();

        // The enumeration subscribes on its first MoveNextAsync: start it here, before anything is sent, so the reader
        // cannot miss the first messages however late its task gets to run.
        await using var ticks = h.Connection.ReadAllAsync("tick", StreamJson.Default.Tick, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = ticks.MoveNextAsync();
        var reader = Task.Run(async () =>
        {
            while (await next)
            {
                enumerated.Add(ticks.Current.Seq);
                if (enumerated.Count == 12)
                {
                    return;
                }

                next = ticks.MoveNextAsync();
            }
        });

        var server = await h.StartAndAcceptAsync();
        for (var round = 0; round < 4; round++)
        {
            for (var i = 0; i < 3; i++)
            {
                await server.SendTextAsync(TickFrame((round * 3) + i));
            }

            await observed.FirstAsync(t => t.Seq == (round * 3) + 2);
            if (round == 3)
            {
                break;
            }

            // Drop the socket; advance the clock through the backoff; the same subscriptions see the next socket's messages.
            var reconnecting = h.NextState(ConnectionState.Reconnecting);
            var connected = h.NextState(ConnectionState.Connected);
            server.Abort();
            var delay = (await reconnecting).RetryDelay!.Value;
            if (delay > TimeSpan.Zero)
            {
                await h.Time.WaitForTimerAsync(d => d == delay).WaitAsync(Harness.Safety);
                h.Time.Advance(delay);
            }

            server = await h.Server.AcceptAsync().WaitAsync(Harness.Safety);
            await connected;
        }

        await reader.WaitAsync(Harness.Safety);
        var expected = Enumerable.Range(0, 12).ToList();
        Assert.Equal(expected, observed.Values.Select(t => t.Seq).ToList());
        Assert.Equal(expected, enumerated);
        Assert.Equal(4, h.Server.Connections.Count);
        Assert.False(observed.Completed);

        await h.Connection.DisposeAsync();
        Assert.True(observed.Completed);
    }

    [Fact]
    public async Task A_subscriber_blocked_for_five_minutes_does_not_stop_the_heartbeat_keeping_the_connection_alive()
    {
        await using var h = new Harness(o => new RealtimeOptions
        {
            Uri = o.Uri,
            Connector = o.Connector,
            Heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(10), Timeout = TimeSpan.FromSeconds(30), Message = "hb" },
            // One waiting message at most: every pong received while the subscriber is blocked pushes out the oldest,
            // which is reported, so the test can see the receive loop keep going.
            Dispatch = new DispatchOptions { BufferCapacity = 1, Overflow = DispatchOverflow.DropOldest },
        });
        h.Server.OnAccepted = connection => connection.OnMessage = (frame, c) =>
            frame.Text == "hb" ? new ValueTask(c.SendTextAsync("{\"type\":\"pong\"}")) : ValueTask.CompletedTask;

        using var release = new ManualResetEventSlim(false);
        var blockedInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<int>();
        var sawNext = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var blocking = h.Connection.On("tick", StreamJson.Default.Tick).Subscribe(new BlockingObserver(tick =>
        {
            lock (seen)
            {
                seen.Add(tick.Seq);
            }

            if (tick.Seq == 1)
            {
                sawNext.TrySetResult();
            }

            if (tick.Seq == 0)
            {
                blockedInside.TrySetResult();
                release.Wait(TimeSpan.FromSeconds(30));
            }
        }));

        var server = await h.StartAndAcceptAsync();
        await server.SendTextAsync(TickFrame(0));
        await blockedInside.Task.WaitAsync(Harness.Safety);

        // Five minutes of virtual time, one heartbeat interval at a time. Each interval: the client sends "hb", the server
        // answers, and (from the second pong on) the full dispatch buffer reports a drop: proof the receive loop read it.
        for (var beat = 1; beat <= 30; beat++)
        {
            var expectedDrops = beat - 1;
            await h.Time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(10)).WaitAsync(Harness.Safety);
            h.Time.Advance(TimeSpan.FromSeconds(10));
            await server.WaitForReceivedCountAsync(beat).WaitAsync(Harness.Safety);
            if (expectedDrops > 0)
            {
                await WaitForErrorCountAsync(h, ErrorKind.DispatchOverflow, expectedDrops);
            }
        }

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Reconnecting);
        Assert.DoesNotContain(h.Errors.Values, e => e.Kind == ErrorKind.HeartbeatTimeout);
        Assert.Single(h.Server.Connections);

        // Released, the subscriber carries on with the next messages.
        release.Set();
        await server.SendTextAsync(TickFrame(1));
        await sawNext.Task.WaitAsync(Harness.Safety);
        lock (seen)
        {
            Assert.Equal([0, 1], seen);
        }
    }

    private static async Task WaitForErrorCountAsync(Harness h, ErrorKind kind, int count)
    {
        while (true)
        {
            // Register for the next one before counting, so one arriving in between is not missed.
            var next = h.Errors.NextAsync(e => e.Kind == kind);
            if (h.Errors.Values.Count(e => e.Kind == kind) >= count)
            {
                return;
            }

            await next;
        }
    }

    private sealed class BlockingObserver(Action<Tick> onNext) : IObserver<Tick>
    {
        public void OnNext(Tick value) => onNext(value);

        public void OnError(Exception error) => throw new InvalidOperationException("OnError must never be called", error);

        public void OnCompleted()
        {
        }
    }
}
