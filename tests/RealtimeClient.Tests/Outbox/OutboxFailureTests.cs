using NSubstitute;
using RealtimeClient.Outbox;
using static RealtimeClient.Tests.Outbox.Frames;

namespace RealtimeClient.Tests.Outbox;

// NSubstitute configures a member by calling it on the substitute: the ValueTask of that call is never awaited, by design.
#pragma warning disable CA2012

/// <summary>Failures of the store are explicit, with their cause: a send that could not be made durable, a store that cannot be opened, an outcome that could not be recorded.</summary>
public sealed class OutboxFailureTests
{
    private static IOutboxStore Store(Exception? open = null, Exception? append = null, Exception? complete = null)
    {
        var store = Substitute.For<IOutboxStore>();
        store.OpenAsync(Arg.Any<CancellationToken>()).Returns(_ => open is null
            ? ValueTask.FromResult<IReadOnlyList<OutboxEntry>>([])
            : ValueTask.FromException<IReadOnlyList<OutboxEntry>>(open));
        store.AppendAsync(Arg.Any<OutboxEntry>(), Arg.Any<CancellationToken>()).Returns(_ => append is null ? ValueTask.CompletedTask : ValueTask.FromException(append));
        store.CompleteAsync(Arg.Any<string>(), Arg.Any<OutboxOutcome>(), Arg.Any<CancellationToken>()).Returns(_ => complete is null ? ValueTask.CompletedTask : ValueTask.FromException(complete));
        return store;
    }

    [Fact]
    public async Task A_send_that_cannot_be_made_durable_fails_with_OutboxFailed_and_the_store_exception_and_is_never_sent()
    {
        var diskFull = new OutboxStoreException(OutboxFailure.DiskFull, "The outbox 'outbox.db' is full.");
        await using var h = new Harness(o => o with { Outbox = Store(append: diskFull) });
        var server = await h.StartAndAcceptAsync();

        var enqueued = await Assert.ThrowsAsync<MessageDeliveryException>(() => h.Connection.EnqueueAsync("line", new Line("lost"), SendOptions.Durable).AsTask().Safe());
        var sent = await Assert.ThrowsAsync<MessageDeliveryException>(() => h.Connection.SendAsync("line", new Line("lost too"), SendOptions.Durable).AsTask().Safe());

        foreach (var failure in new[] { enqueued, sent })
        {
            Assert.Equal(DeliveryFailureReason.OutboxFailed, failure.Reason);
            Assert.Same(diskFull, failure.InnerException);
            Assert.NotNull(failure.MessageId);
        }

        Assert.NotEqual(enqueued.MessageId, sent.MessageId);
        await h.Connection.SendTextAsync("next").Safe();
        Assert.Equal("next", (await server.ReceiveAsync().Safe()).Text); // nothing went out before it
        Assert.Equal(0, h.Connection.PendingCount + h.Connection.UnacknowledgedCount);
    }

    [Fact]
    public async Task A_store_that_cannot_be_opened_at_start_closes_the_connection_with_OutboxFailed_and_the_cause()
    {
        var locked = new OutboxStoreException(OutboxFailure.Locked, "The outbox 'outbox.db' is held by another process.");
        await using var h = new Harness(o => o with { Outbox = Store(open: locked) });

        var start = await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.StartAsync().Safe());

        Assert.Equal(CloseReason.OutboxFailed, start.Reason);
        Assert.Equal(DisconnectKind.OutboxFailed, start.Disconnect?.Kind);
        Assert.Same(locked, start.Disconnect?.Exception);
        Assert.Same(locked, start.InnerException);
        Assert.Contains("held by another process", start.Message, StringComparison.Ordinal);
        var closed = h.States.Values[^1];
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(CloseReason.OutboxFailed, closed.CloseReason);
        Assert.Same(locked, closed.Disconnect?.Exception);
        Assert.Empty(h.Server.Requests); // no attempt was made
    }

    [Fact]
    public async Task A_start_after_an_open_that_failed_opens_the_store_again()
    {
        var store = Substitute.For<IOutboxStore>();
        store.OpenAsync(Arg.Any<CancellationToken>()).Returns(
            _ => ValueTask.FromException<IReadOnlyList<OutboxEntry>>(new OutboxStoreException(OutboxFailure.Locked, "held")),
            _ => ValueTask.FromResult<IReadOnlyList<OutboxEntry>>([Earlier("old-1", "one")]));
        await using var h = new Harness(o => o with { Outbox = store });
        await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.StartAsync().Safe());

        var server = await h.StartAndAcceptAsync();

        Assert.Equal("old-1", IdOf(await server.ReceiveAsync().Safe()));
        await store.Received(2).OpenAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task An_outcome_the_store_cannot_record_is_reported_on_Errors_and_the_send_still_succeeds()
    {
        var ioError = new OutboxStoreException(OutboxFailure.IoError, "disk I/O error");
        await using var h = new Harness(o => o with { Outbox = Store(complete: ioError) });
        var server = await h.StartAndAcceptAsync();
        var send = h.Connection.SendAsync("line", new Line("delivered"), SendOptions.Durable).AsTask();

        var frame = await server.ReceiveAndAckAsync();
        await send.Safe();

        var error = await h.Errors.FirstAsync(e => e.Kind == ErrorKind.OutboxFailed);
        Assert.Same(ioError, error.Exception);
        Assert.Contains(IdOf(frame), error.Message, StringComparison.Ordinal);
        Assert.Equal(ConnectionState.Connected, h.Connection.State); // the connection carries on
    }

    [Fact]
    public async Task A_durable_send_cancelled_while_its_append_is_under_way_fails_as_cancelled_and_does_not_stay_in_the_store()
    {
        var store = new MemoryOutboxStore();
        await using var h = new Harness(o => o with { Outbox = store });
        var server = await h.StartAndAcceptAsync();
        store.HoldAppends();
        var arrived = store.AppendArrived();
        using var cts = new CancellationTokenSource();
        var enqueue = h.Connection.EnqueueAsync("line", new Line("changed my mind"), SendOptions.Durable, cts.Token).AsTask();
        await arrived.Safe();

        cts.Cancel();
        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => enqueue.Safe());
        Assert.Equal(DeliveryFailureReason.Cancelled, failure.Reason);

        // The store finishes the write it had started; the cancelled message must not stay there to go out after a restart.
        store.ReleaseAppends();
        await store.WaitForCompletionsAsync(1);
        Assert.Equal([(failure.MessageId!, OutboxOutcome.Failed)], store.Completed);
        Assert.Empty(store.Pending);
        await h.Connection.SendTextAsync("next").Safe();
        Assert.Equal("next", (await server.ReceiveAsync().Safe()).Text); // and it was never sent
    }

    [Fact]
    public async Task A_send_that_gives_up_waiting_for_the_store_to_open_does_not_fail_the_start_that_shares_the_open()
    {
        var store = new MemoryOutboxStore(Earlier("old-1", "one"));
        await using var h = new Harness(o => o with { Outbox = store });
        store.HoldOpen();
        using var cts = new CancellationTokenSource();
        var send = h.Connection.EnqueueAsync("line", new Line("impatient"), SendOptions.Durable, cts.Token).AsTask();
        var connected = h.NextState(ConnectionState.Connected);
        h.Connection.Start(); // waits for the same open

        cts.Cancel();
        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => send.Safe());
        Assert.Equal(DeliveryFailureReason.Cancelled, failure.Reason);
        store.ReleaseOpen();

        var server = await h.Server.AcceptAsync().Safe();
        await connected;
        Assert.Equal("old-1", IdOf(await server.ReceiveAsync().Safe()));
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Closed);
    }
}
