using System.Reactive;
using RealtimeClient.Serialization;

namespace RealtimeClient.Tests.Streams;

/// <summary>Typed streams at the level of the whole connection: they outlive sockets and survive their subscribers.</summary>
public class ConnectionStreamTests
{
    private static string TickFrame(int seq) => $$$"""{"type":"tick","data":{"seq":{{{seq}}}}}""";

    [Fact]
    public async Task One_subscription_and_one_await_foreach_receive_every_message_across_three_reconnects()
    {
        await using var h = new Harness(o => o with
        {
            Reconnect = o.Reconnect with { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(1) },
            Serializer = new SystemTextJsonSerializer(TestJsonContext.Default),
        });
        using var observed = new Recorder<Tick>(h.Connection.On<Tick>("tick"));
        using var cts = new CancellationTokenSource(Wait.Timeout);
        var enumerated = new List<int>();

        // The enumeration subscribes on its first MoveNextAsync: start it here, before anything is sent, so the reader
        // cannot miss the first messages however late its task gets to run.
        await using var ticks = h.Connection.ReadAllAsync<Tick>("tick", cts.Token).GetAsyncEnumerator(cts.Token);
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

            var last = (round * 3) + 2;
            await observed.FirstAsync(t => t.Seq == last);
            if (round == 3)
            {
                break;
            }

            // Drop the socket; the clock moves through the backoff; the same subscriptions see the next socket's messages.
            server.Abort();
            server = await h.ReconnectAsync();
        }

        await reader.Safe();
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
        await using var h = new Harness(o => o with
        {
            Heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(10), Timeout = TimeSpan.FromSeconds(30), Message = "hb" },

            // One waiting message at most: every pong received while the subscriber is blocked pushes out the oldest,
            // which is reported, so the test can see the receive loop keep going.
            Dispatch = new DispatchOptions { BufferCapacity = 1, Overflow = DispatchOverflow.DropOldest },
        });
        h.Server.OnAccepted = connection => connection.OnMessage = (frame, c) =>
            frame.Text == "hb" ? new ValueTask(c.SendTextAsync("""{"type":"pong"}""")) : ValueTask.CompletedTask;

        using var release = new ManualResetEventSlim(false);
        var blockedInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<int>();
        var sawNext = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var blocking = h.Connection.On<Tick>("tick").Subscribe(Observer.Create<Tick>(tick =>
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
                Assert.True(release.Wait(Wait.Timeout * 3), "The subscriber was never released.");
            }
        }));

        var server = await h.StartAndAcceptAsync();
        await server.SendTextAsync(TickFrame(0));
        await blockedInside.Task.Safe();

        // Five minutes of virtual time, one heartbeat interval at a time. Each interval: the client sends "hb", the server
        // answers, and (from the second pong on) the full dispatch buffer reports a drop: proof the receive loop read it.
        for (var beat = 1; beat <= 30; beat++)
        {
            var expectedDrops = beat - 1;
            await h.Clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(10)).Safe();
            h.Clock.Advance(TimeSpan.FromSeconds(10));
            await server.WaitForReceivedCountAsync(beat).Safe();
            if (expectedDrops > 0)
            {
                await WaitForErrorCountAsync(h, ErrorKind.DispatchOverflow, expectedDrops);
            }
        }

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Reconnecting || s.Disconnect is not null);
        Assert.Single(h.Server.Connections);

        // Released, the subscriber carries on with the next messages.
        release.Set();
        await server.SendTextAsync(TickFrame(1));
        await sawNext.Task.Safe();
        lock (seen)
        {
            Assert.Equal([0, 1], seen);
        }
    }

    [Fact]
    public async Task Dispose_does_not_wait_for_a_blocked_subscriber_and_the_streams_complete_when_it_returns()
    {
        var h = new Harness();
        using var release = new ManualResetEventSlim(false);
        var blockedInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var ticks = new Recorder<Tick>(h.Connection.On<Tick>("tick"));
        using var blocking = h.Connection.On<Tick>("tick").Subscribe(Observer.Create<Tick>(_ =>
        {
            blockedInside.TrySetResult();
            Assert.True(release.Wait(Wait.Timeout * 3), "The subscriber was never released.");
        }));
        var server = await h.StartAndAcceptAsync();
        await server.SendTextAsync(TickFrame(0));
        await blockedInside.Task.Safe();

        await h.DisposeAsync().AsTask().Safe();

        Assert.Equal(ConnectionState.Closed, h.Connection.State);
        Assert.Equal(CloseReason.Disposed, h.States.Values[^1].CloseReason);
        Assert.False(ticks.Completed);
        release.Set();
        await ticks.Completion.Safe();
        Assert.Equal([0], ticks.Values.Select(t => t.Seq));
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
}
