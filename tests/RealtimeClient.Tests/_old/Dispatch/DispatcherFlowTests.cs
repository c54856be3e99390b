using RealtimeClient.Codec;

namespace RealtimeClient.Tests.Dispatch;

public class DispatcherFlowTests
{
    private static readonly DispatchJsonContext Json = DispatchJsonContext.Default;

    private static string SeqJson(int n) => $$$"""{"type":"seq","data":{"n":{{{n}}}}}""";

    [Fact]
    public async Task The_default_policy_is_drop_oldest_with_a_large_buffer()
    {
        var options = new DispatchOptions();
        Assert.Equal(DispatchOverflow.DropOldest, options.Overflow);
        Assert.Equal(1024, options.BufferCapacity);
        Assert.False(options.DecodeBinaryMessages);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Drop_oldest_never_blocks_the_poster_and_reports_every_dropped_message()
    {
        await using var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 2, Overflow = DispatchOverflow.DropOldest });
        using var blocker = new Blocker();
        var seq = new Recorder<Seq> { OnItem = _ => blocker.BlockOnce() };
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(seq);

        await f.PostAsync(SeqJson(1));
        await blocker.Entered.Task.WaitAsync(Wait.Safety); // the loop holds message 1; the buffer is empty
        await f.PostAsync(SeqJson(2));
        await f.PostAsync(SeqJson(3));
        var post4 = f.PostAsync(SeqJson(4)); // full: drops 2
        var post5 = f.PostAsync(SeqJson(5)); // full: drops 3
        Assert.True(post4.IsCompletedSuccessfully);
        Assert.True(post5.IsCompletedSuccessfully);
        Assert.Equal(2, f.Dispatcher.Pending);

        var errors = f.Errors;
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal(ErrorKind.DispatchOverflow, e.Kind));
        Assert.Equal([SeqJson(2), SeqJson(3)], errors.Select(e => e.Excerpt));

        blocker.Release();
        await f.DrainAsync();
        Assert.Equal([1, 4, 5], seq.Items.Select(x => x.N));
    }

    [Fact]
    public async Task Wait_holds_the_poster_until_there_is_room_and_loses_nothing()
    {
        await using var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 1, Overflow = DispatchOverflow.Wait });
        using var blocker = new Blocker();
        var seq = new Recorder<Seq> { OnItem = _ => blocker.BlockOnce() };
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(seq);

        await f.PostAsync(SeqJson(1));
        await blocker.Entered.Task.WaitAsync(Wait.Safety); // the loop holds message 1
        await f.PostAsync(SeqJson(2)); // fills the buffer
        var post3 = f.PostAsync(SeqJson(3)).AsTask();
        Assert.False(post3.IsCompleted); // no room until the subscriber returns

        blocker.Release();
        await post3.WaitAsync(Wait.Safety);
        await f.DrainAsync();
        Assert.Equal([1, 2, 3], seq.Items.Select(x => x.N));
        Assert.Empty(f.Errors);
    }

    [Fact]
    public async Task A_waiting_post_honours_its_cancellation_token()
    {
        await using var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 1, Overflow = DispatchOverflow.Wait });
        using var blocker = new Blocker();
        var seq = new Recorder<Seq> { OnItem = _ => blocker.BlockOnce() };
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(seq);
        await f.PostAsync(SeqJson(1));
        await blocker.Entered.Task.WaitAsync(Wait.Safety);
        await f.PostAsync(SeqJson(2));

        using var cts = new CancellationTokenSource();
        var post3 = f.PostAsync(SeqJson(3), cts.Token).AsTask();
        Assert.False(post3.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post3.WaitAsync(Wait.Safety));

        blocker.Release();
        await f.DrainAsync();
        Assert.Equal([1, 2], seq.Items.Select(x => x.N));
    }

    [Fact]
    public async Task A_waiting_post_ends_quietly_when_the_dispatcher_completes()
    {
        var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 1, Overflow = DispatchOverflow.Wait });
        using var blocker = new Blocker();
        var seq = new Recorder<Seq> { OnItem = _ => blocker.BlockOnce() };
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(seq);
        await f.PostAsync(SeqJson(1));
        await blocker.Entered.Task.WaitAsync(Wait.Safety);
        await f.PostAsync(SeqJson(2));
        var post3 = f.PostAsync(SeqJson(3)).AsTask();

        var disposal = f.DisposeAsync().AsTask();
        await post3.WaitAsync(Wait.Safety); // discarded, no exception
        Assert.False(disposal.IsCompleted); // still waiting for the blocked subscriber
        blocker.Release();
        await disposal.WaitAsync(Wait.Safety);

        Assert.Equal([1], seq.Items.Select(x => x.N)); // message 2 was dropped promptly
        Assert.Equal(1, seq.Completions);
    }

    [Fact]
    public async Task Completion_completes_every_stream_and_later_subscribers()
    {
        var f = new DispatchFixture();
        var raw = new Recorder<InboundMessage>();
        var envelopes = new Recorder<Envelope>();
        var unhandled = new Recorder<Envelope>();
        var seq = new Recorder<Seq>();
        var chat = new Recorder<ChatMessage>();
        using var s1 = f.Dispatcher.Messages.Subscribe(raw);
        using var s2 = f.Dispatcher.Envelopes.Subscribe(envelopes);
        using var s3 = f.Dispatcher.Unhandled.Subscribe(unhandled);
        using var s4 = f.Dispatcher.On("seq", Json.Seq).Subscribe(seq);
        using var s5 = f.Dispatcher.On("message", Json.ChatMessage).Subscribe(chat);
        var reader = f.Dispatcher.ReadAllAsync("seq", Json.Seq, CancellationToken.None).GetAsyncEnumerator();
        var firstRead = reader.MoveNextAsync(); // subscribes

        await f.PostAsync(SeqJson(1));
        await f.PostAsync(SeqJson(2));
        await f.DisposeAsync();
        await f.DisposeAsync(); // idempotent

        Assert.Equal(1, raw.Completions);
        Assert.Equal(1, envelopes.Completions);
        Assert.Equal(1, unhandled.Completions);
        Assert.Equal(1, seq.Completions);
        Assert.Equal(1, chat.Completions);

        // The enumeration ends after what it had buffered.
        var read = new List<int>();
        if (await firstRead.AsTask().WaitAsync(Wait.Safety))
        {
            read.Add(reader.Current.N);
            while (await reader.MoveNextAsync().AsTask().WaitAsync(Wait.Safety))
            {
                read.Add(reader.Current.N);
            }
        }

        await reader.DisposeAsync();
        Assert.Equal(seq.Items.Select(x => x.N), read);

        // Later subscribers complete at once; later posts are discarded.
        var late = new Recorder<Seq>();
        using var s6 = f.Dispatcher.On("seq", Json.Seq).Subscribe(late);
        var lateRaw = new Recorder<InboundMessage>();
        using var s7 = f.Dispatcher.Messages.Subscribe(lateRaw);
        await f.PostAsync(SeqJson(3));
        Assert.Equal(1, late.Completions);
        Assert.Equal(1, lateRaw.Completions);
        await foreach (var _ in f.Dispatcher.ReadAllAsync("seq", Json.Seq, CancellationToken.None))
        {
            Assert.Fail("A completed dispatcher has nothing to read.");
        }

        Assert.Empty(late.Items);
        Assert.Empty(f.Errors);
    }

    [Fact]
    public async Task Draining_delivers_everything_queued_before_completing()
    {
        await using var f = new DispatchFixture();
        using var blocker = new Blocker();
        var seq = new Recorder<Seq> { OnItem = _ => blocker.BlockOnce() };
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(seq);
        for (var i = 1; i <= 10; i++)
        {
            await f.PostAsync(SeqJson(i));
        }

        await blocker.Entered.Task.WaitAsync(Wait.Safety);
        var drain = f.Dispatcher.CompleteAsync(drain: true, CancellationToken.None).AsTask();
        Assert.False(drain.IsCompleted);
        blocker.Release();
        await drain.WaitAsync(Wait.Safety);

        Assert.Equal(Enumerable.Range(1, 10), seq.Items.Select(x => x.N));
        Assert.Equal(1, seq.Completions);
    }

    [Fact]
    public async Task Completing_without_draining_drops_what_is_queued()
    {
        await using var f = new DispatchFixture();
        using var blocker = new Blocker();
        var seq = new Recorder<Seq> { OnItem = _ => blocker.BlockOnce() };
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(seq);
        for (var i = 1; i <= 10; i++)
        {
            await f.PostAsync(SeqJson(i));
        }

        await blocker.Entered.Task.WaitAsync(Wait.Safety);
        var completion = f.Dispatcher.CompleteAsync(drain: false, CancellationToken.None).AsTask();
        Assert.False(completion.IsCompleted);
        blocker.Release();
        await completion.WaitAsync(Wait.Safety);

        Assert.Equal([1], seq.Items.Select(x => x.N));
        Assert.Equal(1, seq.Completions);
        Assert.Equal(0, f.Dispatcher.Pending);
    }

    [Fact]
    public async Task A_subscriber_may_dispose_the_dispatcher_without_deadlocking()
    {
        var f = new DispatchFixture();
        ValueTask disposal = default;
        var seq = new Recorder<Seq> { OnItem = _ => disposal = f.Dispatcher.DisposeAsync() };
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(seq);
        await f.PostAsync(SeqJson(1));
        await f.PostAsync(SeqJson(2));
        await seq.Completed.Task.WaitAsync(Wait.Safety);

        Assert.True(disposal.IsCompleted); // it returned at once instead of waiting for itself
        Assert.Equal([1], seq.Items.Select(x => x.N));
    }

    [Fact]
    public async Task Await_foreach_reads_the_same_stream_as_an_observer()
    {
        await using var f = new DispatchFixture();
        var observer = new Recorder<Seq>();
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(observer);
        const int count = 100;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task<List<int>> ConsumeAsync()
        {
            var read = new List<int>();
            await using var e = f.Dispatcher.ReadAllAsync("seq", Json.Seq, CancellationToken.None).GetAsyncEnumerator();
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
        await started.Task.WaitAsync(Wait.Safety);
        for (var i = 0; i < count; i++)
        {
            await f.PostAsync(SeqJson(i));
            await f.PostAsync("""{"type":"other","data":{}}""");
        }

        await f.DrainAsync();
        var read = await consumer.WaitAsync(Wait.Safety);

        Assert.Equal(Enumerable.Range(0, count), read);
        Assert.Equal(Enumerable.Range(0, count), observer.Items.Select(x => x.N));
    }

    [Fact]
    public async Task Await_foreach_with_the_syntax_ends_when_the_dispatcher_completes()
    {
        await using var f = new DispatchFixture();
        var gotFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribed = new Recorder<Seq>();
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(subscribed);

        var consumer = Task.Run(async () =>
        {
            var read = new List<int>();
            await foreach (var item in f.Dispatcher.ReadAllAsync("seq", Json.Seq, CancellationToken.None))
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
            await f.PostAsync(SeqJson(n++));
            await subscribed.WhenCountAsync(n);
        }

        await f.PostAsync(SeqJson(n++));
        await f.DrainAsync();
        var read = await consumer.WaitAsync(Wait.Safety);

        Assert.Equal(n - 1, read[^1]);
        Assert.Equal(Enumerable.Range(read[0], read.Count), read); // contiguous once subscribed
    }

    [Fact]
    public async Task Await_foreach_stops_with_cancellation()
    {
        await using var f = new DispatchFixture();
        using var cts = new CancellationTokenSource();
        var e = f.Dispatcher.ReadAllAsync("seq", Json.Seq, cts.Token).GetAsyncEnumerator();
        var next = e.MoveNextAsync().AsTask();
        await f.PostAsync(SeqJson(1));
        Assert.True(await next.WaitAsync(Wait.Safety));
        Assert.Equal(1, e.Current.N);

        var pending = e.MoveNextAsync().AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Wait.Safety));
        await e.DisposeAsync();

        // The enumeration unsubscribed: the type is unhandled again.
        var unhandled = new Recorder<Envelope>();
        using var s = f.Dispatcher.Unhandled.Subscribe(unhandled);
        await f.PostAsync(SeqJson(2));
        await f.DrainAsync();
        Assert.Single(unhandled.Items);
    }

    [Fact]
    public async Task A_slow_async_reader_under_drop_oldest_loses_the_oldest_and_reports_it()
    {
        await using var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 2 });
        var e = f.Dispatcher.ReadAllAsync("seq", Json.Seq, CancellationToken.None).GetAsyncEnumerator();
        var next = e.MoveNextAsync(); // subscribes; reads nothing yet
        var observer = new Recorder<Seq>();
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(observer);
        for (var i = 1; i <= 5; i++)
        {
            // One at a time, so that only the reader's own buffer (not the dispatcher's) overflows; the reader's buffer
            // gets each message before the observer that subscribed after it.
            await f.PostAsync(SeqJson(i));
            await observer.WhenCountAsync(i);
        }

        await f.DrainAsync();
        var read = new List<int>();
        while (await next.AsTask().WaitAsync(Wait.Safety))
        {
            read.Add(e.Current.N);
            next = e.MoveNextAsync();
        }

        await e.DisposeAsync();

        // The buffer of 2 kept the newest; message 1 may have been taken by the already waiting first MoveNextAsync.
        Assert.Equal([4, 5], read[^2..]);
        var dropped = f.Errors.Count(x => x.Kind == ErrorKind.DispatchOverflow);
        Assert.InRange(dropped, 2, 3);
        Assert.Equal(5, read.Count + dropped);
    }

    [Fact]
    public async Task A_slow_async_reader_under_wait_holds_dispatch_and_loses_nothing()
    {
        await using var f = new DispatchFixture(new DispatchOptions { BufferCapacity = 1, Overflow = DispatchOverflow.Wait });
        var e = f.Dispatcher.ReadAllAsync("seq", Json.Seq, CancellationToken.None).GetAsyncEnumerator();
        var next = e.MoveNextAsync();
        for (var i = 1; i <= 3; i++)
        {
            await f.PostAsync(SeqJson(i));
        }

        var completion = f.Dispatcher.CompleteAsync(drain: true, CancellationToken.None).AsTask();
        var read = new List<int>();
        while (await next.AsTask().WaitAsync(Wait.Safety))
        {
            read.Add(e.Current.N);
            next = e.MoveNextAsync();
        }

        await completion.WaitAsync(Wait.Safety);
        await e.DisposeAsync();
        Assert.Equal([1, 2, 3], read);
        Assert.Empty(f.Errors);
    }
}
