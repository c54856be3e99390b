using System.Collections.Concurrent;
using System.Reactive;
using NSubstitute;
using RealtimeClient.Streams;

namespace RealtimeClient.Tests.Streams;

/// <summary>
/// The one subject behind every stream: serialised and ordered publication, isolation of a throwing observer, re-entrant
/// observers, the replay of the latest value, completion, and back-pressure for the dispatch loop.
/// </summary>
public class EventStreamTests
{
    private readonly ConcurrentQueue<(string Stream, Exception Error)> _failures = new();

    [Fact]
    public async Task Values_published_from_many_threads_reach_each_observer_one_at_a_time_in_each_threads_order()
    {
        const int threads = 8;
        const int perThread = 2000;
        var stream = NewStream<(int Thread, int Seq)>();
        var inside = 0;
        var overlaps = 0;
        var seen = new List<(int Thread, int Seq)>();
        using var a = stream.Subscribe(Observer.Create<(int Thread, int Seq)>(v =>
        {
            if (Interlocked.Increment(ref inside) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            seen.Add(v); // not thread-safe on purpose: the stream calls one at a time
            Interlocked.Decrement(ref inside);
        }));
        var second = new List<(int Thread, int Seq)>();
        using var b = stream.Subscribe(Observer.Create<(int Thread, int Seq)>(second.Add));

        using var go = new Barrier(threads);
        var publishers = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                go.SignalAndWait();
                for (var i = 0; i < perThread; i++)
                {
                    stream.Publish((t, i));
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));
        await Task.WhenAll(publishers).Safe();

        // Every Publish has returned; whoever was delivering has delivered everything queued before it returned.
        Assert.Equal(0, overlaps);
        Assert.Equal(threads * perThread, seen.Count);
        Assert.Equal(seen, second); // both observers see one and the same order
        var next = new int[threads];
        foreach (var (thread, seq) in seen)
        {
            Assert.Equal(next[thread]++, seq);
        }

        Assert.Empty(_failures);
    }

    [Fact]
    public void A_throwing_observer_is_reported_by_name_keeps_its_subscription_and_the_others_still_receive()
    {
        var stream = NewStream<int>("Numbers");
        var before = new List<int>();
        var after = new List<int>();
        var thrower = Substitute.For<IObserver<int>>();
        thrower.When(o => o.OnNext(Arg.Any<int>())).Do(c => throw new InvalidOperationException($"boom {c.Arg<int>()}"));
        using var s1 = stream.Subscribe(Observer.Create<int>(before.Add));
        using var s2 = stream.Subscribe(thrower);
        using var s3 = stream.Subscribe(Observer.Create<int>(after.Add));

        stream.Publish(1);
        stream.Publish(2);

        Assert.Equal([1, 2], before);
        Assert.Equal([1, 2], after);
        thrower.Received(1).OnNext(1);
        thrower.Received(1).OnNext(2);
        thrower.DidNotReceive().OnError(Arg.Any<Exception>());
        Assert.Equal(["boom 1", "boom 2"], _failures.Select(f => f.Error.Message));
        Assert.All(_failures, f => Assert.Equal("Numbers", f.Stream));
    }

    [Fact]
    public void A_failure_report_that_throws_does_not_break_publication()
    {
        var stream = new EventStream<int>("s", (_, _) => throw new InvalidOperationException("reporter bug"));
        var got = new List<int>();
        using var s1 = stream.Subscribe(Observer.Create<int>(_ => throw new FormatException()));
        using var s2 = stream.Subscribe(Observer.Create<int>(got.Add));

        stream.Publish(1);

        Assert.Equal([1], got);
    }

    [Fact]
    public void A_value_published_from_inside_a_callback_reaches_every_observer_after_the_current_one()
    {
        var stream = NewStream<int>();
        var log = new List<string>();
        using var a = stream.Subscribe(Observer.Create<int>(v =>
        {
            log.Add($"a{v}");
            if (v == 1)
            {
                stream.Publish(2); // queued: delivered after every observer has seen 1
                log.Add("a published 2");
            }
        }));
        using var b = stream.Subscribe(Observer.Create<int>(v => log.Add($"b{v}")));

        stream.Publish(1);

        Assert.Equal(["a1", "a published 2", "b1", "a2", "b2"], log);
    }

    [Fact]
    public void An_observer_that_unsubscribes_inside_its_callback_gets_nothing_more_and_the_others_are_unaffected()
    {
        var stream = NewStream<int>();
        var first = new List<int>();
        var other = new List<int>();
        IDisposable? subscription = null;
        subscription = stream.Subscribe(Observer.Create<int>(v =>
        {
            first.Add(v);
            subscription!.Dispose();
            subscription.Dispose(); // twice is harmless
        }));
        using var s2 = stream.Subscribe(Observer.Create<int>(other.Add));

        stream.Publish(1);
        stream.Publish(2);

        Assert.Equal([1], first);
        Assert.Equal([1, 2], other);
        Assert.True(stream.HasObservers);
    }

    [Fact]
    public void An_observer_subscribed_inside_a_callback_receives_the_values_after_that_one()
    {
        var stream = NewStream<int>();
        var late = new List<int>();
        IDisposable? lateSubscription = null;
        using var s1 = stream.Subscribe(Observer.Create<int>(v =>
        {
            if (v == 1)
            {
                lateSubscription = stream.Subscribe(Observer.Create<int>(late.Add));
            }
        }));

        stream.Publish(1);
        stream.Publish(2);

        Assert.Equal([2], late);
        lateSubscription!.Dispose();
        Assert.True(stream.HasObservers);
        s1.Dispose();
        Assert.False(stream.HasObservers);
    }

    [Fact]
    public async Task A_slow_observer_never_blocks_another_threads_publish_and_values_stay_in_order()
    {
        var stream = NewStream<int>();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var got = new List<int>();
        using var s = stream.Subscribe(Observer.Create<int>(v =>
        {
            got.Add(v);
            if (v == 1)
            {
                entered.TrySetResult();
                Assert.True(release.Wait(Wait.Timeout));
            }
        }));

        var delivering = Task.Run(() => stream.Publish(1));
        await entered.Task.Safe();

        stream.Publish(2); // returns at once: the thread already delivering will deliver it
        stream.Publish(3);
        Assert.Equal([1], got);

        release.Set();
        await delivering.Safe();
        Assert.Equal([1, 2, 3], got);
    }

    [Fact]
    public void A_new_subscriber_first_receives_the_latest_value_once()
    {
        var stream = NewStream<string>(replayLatest: true);
        var early = new List<string>();
        using var s1 = stream.Subscribe(Observer.Create<string>(early.Add));
        Assert.Empty(early); // nothing published yet: nothing to replay

        stream.Publish("a");
        stream.Publish("b");
        var late = new List<string>();
        using var s2 = stream.Subscribe(Observer.Create<string>(late.Add));
        stream.Publish("c");

        Assert.Equal(["a", "b", "c"], early);
        Assert.Equal(["b", "c"], late);
    }

    [Fact]
    public async Task The_latest_value_is_not_replayed_while_a_newer_one_is_still_on_its_way()
    {
        var stream = NewStream<string>(replayLatest: true);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        using var blocking = stream.Subscribe(Observer.Create<string>(v =>
        {
            if (v == "connecting")
            {
                entered.TrySetResult();
                Assert.True(release.Wait(Wait.Timeout));
            }
        }));
        var delivering = Task.Run(() => stream.Publish("connecting"));
        await entered.Task.Safe(); // "connecting" is the latest; "connected" is queued behind it
        stream.Publish("connected");

        var late = new List<string>();
        using var s = stream.Subscribe(Observer.Create<string>(late.Add));
        release.Set();
        await delivering.Safe();

        Assert.Equal(["connected"], late); // never the stale "connecting" first
    }

    [Fact]
    public void A_subscriber_from_inside_a_callback_gets_the_latest_value_after_the_current_delivery()
    {
        var stream = NewStream<int>(replayLatest: true);
        var late = new List<int>();
        var log = new List<string>();
        using var s1 = stream.Subscribe(Observer.Create<int>(v =>
        {
            log.Add($"first {v}");
            if (v == 1)
            {
                stream.Subscribe(Observer.Create<int>(x =>
                {
                    late.Add(x);
                    log.Add($"late {x}");
                }));
                log.Add("subscribed");
            }
        }));

        stream.Publish(1);
        stream.Publish(2);

        Assert.Equal([1, 2], late);
        Assert.Equal(["first 1", "subscribed", "late 1", "first 2", "late 2"], log);
    }

    [Fact]
    public void Completion_comes_after_the_values_already_published_once_and_later_subscribers_complete_at_once()
    {
        var stream = NewStream<int>(replayLatest: true);
        var observer = Substitute.For<IObserver<int>>();
        using var s = stream.Subscribe(observer);
        stream.Publish(1);

        stream.Complete();
        stream.Complete();
        stream.Publish(2); // ignored

        Received.InOrder(() =>
        {
            observer.OnNext(1);
            observer.OnCompleted();
        });
        observer.Received(1).OnCompleted();
        observer.DidNotReceive().OnNext(2);
        Assert.False(stream.HasObservers);

        var late = Substitute.For<IObserver<int>>();
        using var s2 = stream.Subscribe(late);
        Received.InOrder(() =>
        {
            late.OnNext(1); // the latest value, then the completion
            late.OnCompleted();
        });
        Assert.False(stream.HasObservers);
    }

    [Fact]
    public void A_stream_without_replay_completes_a_late_subscriber_without_a_value()
    {
        var stream = NewStream<int>();
        stream.Publish(1);
        stream.Complete();

        var late = Substitute.For<IObserver<int>>();
        using var s = stream.Subscribe(late);

        late.DidNotReceive().OnNext(Arg.Any<int>());
        late.Received(1).OnCompleted();
    }

    [Fact]
    public async Task Completion_published_while_another_thread_delivers_waits_for_the_queued_values()
    {
        var stream = NewStream<int>();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var log = new List<string>();
        using var s = stream.Subscribe(Observer.Create<int>(
            v =>
            {
                log.Add($"{v}");
                if (v == 1)
                {
                    entered.TrySetResult();
                    Assert.True(release.Wait(Wait.Timeout));
                }
            },
            () => log.Add("completed")));
        var delivering = Task.Run(() => stream.Publish(1));
        await entered.Task.Safe();

        stream.Publish(2);
        stream.Complete();
        Assert.Equal(["1"], log);

        release.Set();
        await delivering.Safe();
        Assert.Equal(["1", "2", "completed"], log);
    }

    [Fact]
    public async Task PublishAsync_awaits_a_back_pressure_observer_before_calling_the_next_one()
    {
        var stream = NewStream<int>();
        var log = new List<string>();
        var slow = new SlowObserver(log);
        using var s1 = stream.Subscribe(Observer.Create<int>(v => log.Add($"first {v}")));
        using var s2 = stream.Subscribe(slow);
        using var s3 = stream.Subscribe(Observer.Create<int>(v => log.Add($"last {v}")));

        var publish = stream.PublishAsync(1).AsTask();
        await slow.Called.Task.Safe();
        Assert.False(publish.IsCompleted);
        Assert.Equal(["first 1", "slow 1"], log);

        slow.Release.SetResult();
        await publish.Safe();
        Assert.Equal(["first 1", "slow 1", "slow done", "last 1"], log);
        Assert.True(stream.PublishAsync(2).AsTask().IsCompletedSuccessfully); // an observer that does not wait costs no await
    }

    [Fact]
    public async Task PublishAsync_reports_a_back_pressure_observer_that_fails_and_goes_on()
    {
        var stream = NewStream<int>("Async");
        var got = new List<int>();
        using var s1 = stream.Subscribe(new FailingObserver(synchronously: true));
        using var s2 = stream.Subscribe(new FailingObserver(synchronously: false));
        using var s3 = stream.Subscribe(Observer.Create<int>(_ => throw new FormatException("plain")));
        using var s4 = stream.Subscribe(Observer.Create<int>(got.Add));

        await stream.PublishAsync(7).AsTask().Safe();

        Assert.Equal([7], got);
        Assert.Equal(["sync 7", "async 7", "plain"], _failures.Select(f => f.Error.Message));
    }

    [Fact]
    public void CompleteNow_completes_the_observers_of_a_loop_published_stream_at_once_and_once()
    {
        var stream = NewStream<int>();
        var observer = Substitute.For<IObserver<int>>();
        using var s = stream.Subscribe(observer);

        stream.CompleteNow();
        stream.CompleteNow();

        observer.Received(1).OnCompleted();
        var late = Substitute.For<IObserver<int>>();
        using var s2 = stream.Subscribe(late);
        late.Received(1).OnCompleted();
    }

    private EventStream<T> NewStream<T>(string name = "test", bool replayLatest = false) =>
        new(name, (stream, error) => _failures.Enqueue((stream, error)), replayLatest);

    // Awaited by PublishAsync: completes its OnNextAsync only when the test releases it.
    private sealed class SlowObserver(List<string> log) : IObserver<int>, IBackpressureObserver<int>
    {
        public TaskCompletionSource Called { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask OnNextAsync(int value)
        {
            log.Add($"slow {value}");
            Called.TrySetResult();
            await Release.Task;
            log.Add("slow done");
        }

        public void OnNext(int value) => throw new InvalidOperationException("PublishAsync must use OnNextAsync.");

        public void OnError(Exception error) => throw new InvalidOperationException("OnError must never be called.", error);

        public void OnCompleted()
        {
        }
    }

    private sealed class FailingObserver(bool synchronously) : IObserver<int>, IBackpressureObserver<int>
    {
        public ValueTask OnNextAsync(int value) => synchronously
            ? throw new InvalidOperationException($"sync {value}")
            : FailLaterAsync(value);

        public void OnNext(int value) => throw new InvalidOperationException("PublishAsync must use OnNextAsync.");

        public void OnError(Exception error) => throw new InvalidOperationException("OnError must never be called.", error);

        public void OnCompleted()
        {
        }

        private static async ValueTask FailLaterAsync(int value)
        {
            await Task.Yield();
            throw new InvalidOperationException($"async {value}");
        }
    }
}
