using System.Reactive;
using RealtimeClient.Serialization;

namespace RealtimeClient.Tests.Dispatch;

/// <summary>The dispatch buffer, its overflow policies, async readers, completion and the bound of dispose.</summary>
public class DispatcherFlowTests
{
    private static string SeqJson(int n) => $$$"""{"type":"seq","data":{"n":{{{n}}}}}""";

    [Fact]
    public void The_default_policy_is_drop_oldest_with_a_large_buffer_and_binary_messages_are_not_read()
    {
        var options = new DispatchOptions();
        Assert.Equal(DispatchOverflow.DropOldest, options.Overflow);
        Assert.Equal(1024, options.BufferCapacity);
        Assert.False(new JsonEnvelopeOptions().ReadBinaryMessages);
    }

    [Fact]
    public async Task Drop_oldest_never_blocks_the_poster_and_reports_every_dropped_message()
    {
        await using var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 2, Overflow = DispatchOverflow.DropOldest });
        using var blocker = new Blocker();
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var block = f.Dispatcher.On<Seq>("seq").Subscribe(Observer.Create<Seq>(_ => blocker.BlockOnce()));

        await f.PostAsync(SeqJson(1));
        await blocker.Entered.Task.Safe(); // the loop holds message 1; the buffer is empty
        await f.PostAsync(SeqJson(2));
        await f.PostAsync(SeqJson(3));
        var post4 = f.PostAsync(SeqJson(4)); // full: drops 2
        var post5 = f.PostAsync(SeqJson(5)); // full: drops 3
        Assert.True(post4.IsCompletedSuccessfully);
        Assert.True(post5.IsCompletedSuccessfully);
        Assert.Equal(2, f.Dispatcher.Pending);

        var errors = f.Errors.Values;
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal(ErrorKind.DispatchOverflow, e.Kind));
        Assert.Equal([SeqJson(2), SeqJson(3)], errors.Select(e => e.Excerpt));

        blocker.Release();
        await f.DrainAsync();
        Assert.Equal([1, 4, 5], seq.Values.Select(x => x.N));
    }

    [Fact]
    public async Task Wait_holds_the_poster_until_there_is_room_and_loses_nothing()
    {
        await using var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 1, Overflow = DispatchOverflow.Wait });
        using var blocker = new Blocker();
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var block = f.Dispatcher.On<Seq>("seq").Subscribe(Observer.Create<Seq>(_ => blocker.BlockOnce()));

        await f.PostAsync(SeqJson(1));
        await blocker.Entered.Task.Safe(); // the loop holds message 1
        await f.PostAsync(SeqJson(2)); // fills the buffer
        var post3 = f.PostAsync(SeqJson(3)).AsTask();
        Assert.False(post3.IsCompleted); // no room until the subscriber returns

        blocker.Release();
        await post3.Safe();
        await f.DrainAsync();
        Assert.Equal([1, 2, 3], seq.Values.Select(x => x.N));
        Assert.Empty(f.Errors.Values);
    }

    [Fact]
    public async Task A_waiting_post_honours_its_cancellation_token()
    {
        await using var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 1, Overflow = DispatchOverflow.Wait });
        using var blocker = new Blocker();
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var block = f.Dispatcher.On<Seq>("seq").Subscribe(Observer.Create<Seq>(_ => blocker.BlockOnce()));
        await f.PostAsync(SeqJson(1));
        await blocker.Entered.Task.Safe();
        await f.PostAsync(SeqJson(2));

        using var cts = new CancellationTokenSource();
        var post3 = f.PostAsync(SeqJson(3), cts.Token).AsTask();
        Assert.False(post3.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post3.Safe());

        blocker.Release();
        await f.DrainAsync();
        Assert.Equal([1, 2], seq.Values.Select(x => x.N));
    }

    [Fact]
    public async Task A_waiting_post_ends_quietly_when_the_dispatcher_is_disposed()
    {
        var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 1, Overflow = DispatchOverflow.Wait });
        using var blocker = new Blocker();
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var block = f.Dispatcher.On<Seq>("seq").Subscribe(Observer.Create<Seq>(_ => blocker.BlockOnce()));
        await f.PostAsync(SeqJson(1));
        await blocker.Entered.Task.Safe();
        await f.PostAsync(SeqJson(2));
        var post3 = f.PostAsync(SeqJson(3)).AsTask();

        await f.DisposeAsync().AsTask().Safe(); // does not wait for the blocked subscriber
        await post3.Safe(); // discarded, no exception
        Assert.False(seq.Completed);

        blocker.Release();
        await seq.Completion.Safe();
        Assert.Equal([1], seq.Values.Select(x => x.N)); // message 2 was dropped, not delivered after the dispose
    }

    [Fact]
    public async Task Dispose_returns_while_a_subscriber_is_blocked_and_every_stream_completes_once_it_returns()
    {
        var f = new DispatchFixture(new DispatchOptions { Overflow = DispatchOverflow.Wait });
        using var blocker = new Blocker();
        using var raw = new Recorder<InboundMessage>(f.Dispatcher.Messages);
        using var envelopes = new Recorder<Envelope>(f.Dispatcher.Envelopes);
        using var unhandled = new Recorder<Envelope>(f.Dispatcher.Unhandled);
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var block = f.Dispatcher.On<Seq>("seq").Subscribe(Observer.Create<Seq>(_ => blocker.BlockOnce()));
        await using var reader = f.Dispatcher.ReadAllAsync<Seq>("seq", CancellationToken.None).GetAsyncEnumerator();
        var firstRead = reader.MoveNextAsync().AsTask(); // subscribes
        await f.PostAsync(SeqJson(1));
        await blocker.Entered.Task.Safe();
        await f.PostAsync(SeqJson(2));
        await f.PostAsync("""{"type":"other"}""");

        await f.DisposeAsync().AsTask().Safe();

        Assert.False(seq.Completed);
        Assert.False(raw.Completed);
        var late = new Recorder<Seq>(f.Dispatcher.On<Seq>("late"));
        Assert.False(late.Completed); // the dispatcher completes its streams only when its loop ends

        blocker.Release();
        await Task.WhenAll(raw.Completion, envelopes.Completion, unhandled.Completion, seq.Completion, late.Completion).Safe();
        Assert.True(await firstRead.Safe()); // the reader had message 1 buffered
        Assert.Equal(1, reader.Current.N);
        Assert.False(await reader.MoveNextAsync().AsTask().Safe());
        Assert.Equal([1], seq.Values.Select(x => x.N));
        Assert.Single(raw.Values);
        Assert.Empty(unhandled.Values);
    }

    [Fact]
    public async Task Completion_completes_every_stream_once_and_later_subscribers_at_once()
    {
        var f = new DispatchFixture();
        using var raw = new Recorder<InboundMessage>(f.Dispatcher.Messages);
        var rawCompletions = DispatchFixture.CountCompletions(f.Dispatcher.Messages, out var s1);
        var envelopeCompletions = DispatchFixture.CountCompletions(f.Dispatcher.Envelopes, out var s2);
        var unhandledCompletions = DispatchFixture.CountCompletions(f.Dispatcher.Unhandled, out var s3);
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        var seqCompletions = DispatchFixture.CountCompletions(f.Dispatcher.On<Seq>("seq"), out var s4);
        var chatCompletions = DispatchFixture.CountCompletions(f.Dispatcher.On<ChatMessage>("message"), out var s5);
        using var subscriptions = new System.Reactive.Disposables.CompositeDisposable(s1, s2, s3, s4, s5);
        var reader = f.Dispatcher.ReadAllAsync<Seq>("seq", CancellationToken.None).GetAsyncEnumerator();
        var firstRead = reader.MoveNextAsync(); // subscribes

        await f.PostAsync(SeqJson(1));
        await f.PostAsync(SeqJson(2));
        await f.DrainAsync();
        await f.DisposeAsync();
        await f.DisposeAsync(); // idempotent

        Assert.Equal(1, rawCompletions());
        Assert.Equal(1, envelopeCompletions());
        Assert.Equal(1, unhandledCompletions());
        Assert.Equal(1, seqCompletions());
        Assert.Equal(1, chatCompletions());

        // The enumeration ends after what it had buffered.
        var read = new List<int>();
        if (await firstRead.AsTask().Safe())
        {
            read.Add(reader.Current.N);
            while (await reader.MoveNextAsync().AsTask().Safe())
            {
                read.Add(reader.Current.N);
            }
        }

        await reader.DisposeAsync();
        Assert.Equal([1, 2], read);
        Assert.Equal(seq.Values.Select(x => x.N), read);

        // Later subscribers complete at once; later posts are discarded.
        using var late = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var lateRaw = new Recorder<InboundMessage>(f.Dispatcher.Messages);
        using var lateNew = new Recorder<Presence>(f.Dispatcher.On<Presence>("never seen before"));
        await f.PostAsync(SeqJson(3));
        Assert.True(late.Completed);
        Assert.True(lateRaw.Completed);
        Assert.True(lateNew.Completed);
        await foreach (var _ in f.Dispatcher.ReadAllAsync<Seq>("seq", CancellationToken.None))
        {
            Assert.Fail("A completed dispatcher has nothing to read.");
        }

        Assert.Empty(late.Values);
        Assert.Equal(2, raw.Values.Count);
        Assert.Empty(f.Errors.Values);
    }

    [Fact]
    public async Task Draining_delivers_everything_queued_before_completing_even_past_a_blocked_subscriber()
    {
        await using var f = new DispatchFixture();
        using var blocker = new Blocker();
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var block = f.Dispatcher.On<Seq>("seq").Subscribe(Observer.Create<Seq>(_ => blocker.BlockOnce()));
        for (var i = 1; i <= 10; i++)
        {
            await f.PostAsync(SeqJson(i));
        }

        await blocker.Entered.Task.Safe();
        await f.Dispatcher.CompleteAsync(drain: true, CancellationToken.None).AsTask().Safe(); // does not wait for the blocked subscriber
        Assert.False(f.Dispatcher.Completion.IsCompleted);
        await f.PostAsync(SeqJson(11)); // after the completion: discarded
        blocker.Release();
        await f.Dispatcher.Completion.Safe();

        Assert.Equal(Enumerable.Range(1, 10), seq.Values.Select(x => x.N));
        Assert.True(seq.Completed);
    }

    [Fact]
    public async Task Completing_without_draining_drops_what_is_queued()
    {
        await using var f = new DispatchFixture();
        using var blocker = new Blocker();
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var block = f.Dispatcher.On<Seq>("seq").Subscribe(Observer.Create<Seq>(_ => blocker.BlockOnce()));
        for (var i = 1; i <= 10; i++)
        {
            await f.PostAsync(SeqJson(i));
        }

        await blocker.Entered.Task.Safe();
        await f.Dispatcher.CompleteAsync(drain: false, CancellationToken.None).AsTask().Safe();
        blocker.Release();
        await f.Dispatcher.Completion.Safe();

        Assert.Equal([1], seq.Values.Select(x => x.N));
        Assert.True(seq.Completed);
        Assert.Equal(0, f.Dispatcher.Pending);
    }

    [Fact]
    public async Task A_subscriber_may_dispose_the_dispatcher_without_deadlocking()
    {
        var f = new DispatchFixture();
        ValueTask disposal = default;
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var disposer = f.Dispatcher.On<Seq>("seq").Subscribe(Observer.Create<Seq>(_ => disposal = f.Dispatcher.DisposeAsync()));
        await f.PostAsync(SeqJson(1));
        await f.PostAsync(SeqJson(2));
        await seq.Completion.Safe();

        Assert.True(disposal.IsCompleted); // it returned at once instead of waiting for itself
        Assert.Equal([1], seq.Values.Select(x => x.N));
    }

    [Fact]
    public async Task Await_foreach_reads_the_same_stream_as_an_observer()
    {
        await using var f = new DispatchFixture();
        using var observer = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        const int count = 100;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task<List<int>> ConsumeAsync()
        {
            var read = new List<int>();
            await using var e = f.Dispatcher.ReadAllAsync<Seq>("seq", CancellationToken.None).GetAsyncEnumerator();
            var next = e.MoveNextAsync(); // subscribes synchronously
            started.SetResult();
            while (await next)
            {
                read.Add(e.Current.N);
                next = e.MoveNextAsync();
            }

            return read;
        }

        var consumer = Task.Run(ConsumeAsync);
        await started.Task.Safe();
        for (var i = 0; i < count; i++)
        {
            await f.PostAsync(SeqJson(i));
            await f.PostAsync("""{"type":"other","data":{}}""");
        }

        await f.DrainAsync();
        var read = await consumer.Safe();

        Assert.Equal(Enumerable.Range(0, count), read);
        Assert.Equal(Enumerable.Range(0, count), observer.Values.Select(x => x.N));
    }

    [Fact]
    public async Task Await_foreach_with_the_syntax_ends_when_the_dispatcher_completes()
    {
        await using var f = new DispatchFixture();
        var gotFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscribed = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));

        var consumer = Task.Run(async () =>
        {
            var read = new List<int>();
            await foreach (var item in f.Dispatcher.ReadAllAsync<Seq>("seq", CancellationToken.None))
            {
                read.Add(item.N);
                gotFirst.TrySetResult();
            }

            return read;
        });

        // Post until the enumeration has subscribed and seen a message (it subscribes on its first MoveNextAsync).
        var n = 0;
        while (!gotFirst.Task.IsCompleted)
        {
            Assert.True(n < 100_000, "The enumeration never subscribed.");
            var seen = n;
            await f.PostAsync(SeqJson(n++));
            await subscribed.FirstAsync(s => s.N == seen);
        }

        await f.PostAsync(SeqJson(n++));
        await f.DrainAsync();
        var read = await consumer.Safe();

        Assert.Equal(n - 1, read[^1]);
        Assert.Equal(Enumerable.Range(read[0], read.Count), read); // contiguous once subscribed
    }

    [Fact]
    public async Task Await_foreach_stops_with_cancellation_and_unsubscribes()
    {
        await using var f = new DispatchFixture();
        using var cts = new CancellationTokenSource();
        var e = f.Dispatcher.ReadAllAsync<Seq>("seq", cts.Token).GetAsyncEnumerator();
        var next = e.MoveNextAsync().AsTask();
        await f.PostAsync(SeqJson(1));
        Assert.True(await next.Safe());
        Assert.Equal(1, e.Current.N);

        var pending = e.MoveNextAsync().AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.Safe());
        await e.DisposeAsync();

        // The enumeration unsubscribed: the type is unhandled again.
        using var unhandled = new Recorder<Envelope>(f.Dispatcher.Unhandled);
        await f.PostAsync(SeqJson(2));
        await f.DrainAsync();
        Assert.Single(unhandled.Values);
    }

    [Fact]
    public async Task A_slow_async_reader_under_drop_oldest_loses_the_oldest_and_reports_it()
    {
        await using var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 2 });
        var e = f.Dispatcher.ReadAllAsync<Seq>("seq", CancellationToken.None).GetAsyncEnumerator();
        var next = e.MoveNextAsync(); // subscribes; reads nothing yet
        using var observer = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        for (var i = 1; i <= 5; i++)
        {
            // One at a time, so that only the reader's own buffer (not the dispatcher's) overflows; the reader's buffer
            // gets each message before the observer that subscribed after it.
            var seen = i;
            await f.PostAsync(SeqJson(i));
            await observer.FirstAsync(s => s.N == seen);
        }

        await f.DrainAsync();
        var read = new List<int>();
        while (await next.AsTask().Safe())
        {
            read.Add(e.Current.N);
            next = e.MoveNextAsync();
        }

        await e.DisposeAsync();

        // The buffer of 2 kept the newest; message 1 may have been taken by the already waiting first MoveNextAsync.
        Assert.Equal([4, 5], read[^2..]);
        var dropped = f.Errors.Values.Where(x => x.Kind == ErrorKind.DispatchOverflow).ToList();
        Assert.InRange(dropped.Count, 2, 3);
        Assert.Equal(5, read.Count + dropped.Count);
        Assert.All(dropped, d => Assert.Contains("ReadAllAsync<Seq>(\"seq\")", d.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_slow_async_reader_under_wait_holds_dispatch_and_loses_nothing()
    {
        await using var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 1, Overflow = DispatchOverflow.Wait });
        var e = f.Dispatcher.ReadAllAsync<Seq>("seq", CancellationToken.None).GetAsyncEnumerator();
        var next = e.MoveNextAsync();
        for (var i = 1; i <= 3; i++)
        {
            await f.PostAsync(SeqJson(i));
        }

        var completion = f.DrainAsync();
        var read = new List<int>();
        while (await next.AsTask().Safe())
        {
            read.Add(e.Current.N);
            next = e.MoveNextAsync();
        }

        await completion.Safe();
        await e.DisposeAsync();
        Assert.Equal([1, 2, 3], read);
        Assert.Empty(f.Errors.Values);
    }
}
