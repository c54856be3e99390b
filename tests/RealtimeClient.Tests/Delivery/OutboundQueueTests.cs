using Microsoft.Extensions.Logging.Abstractions;
using RealtimeClient.Buffers;
using RealtimeClient.Diagnostics;
using RealtimeClient.Outbound;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Delivery;

/// <summary>Races of the queue that the in-memory server hits only now and then, made deterministic by driving the queue directly.</summary>
public sealed class OutboundQueueTests
{
    internal static OutboundQueue NewQueue(QueueOptions? queue = null, AcknowledgementOptions? acks = null, TimeProvider? time = null) =>
        new(queue ?? new QueueOptions(), acks ?? new AcknowledgementOptions(), time ?? new VirtualClock(), NullLogger.Instance, new ErrorReporter(NullLogger.Instance));

    internal static OutboundMessage Message(OutboundQueue queue, DeliveryMode mode, string? id, int size = 2) =>
        new(queue.NextSequence(), RentedBuffer.CopyOf(new byte[size]), MessageKind.Text, mode, id);

    [Fact]
    public async Task An_ack_that_arrives_before_the_write_returns_completes_the_message()
    {
        using var queue = NewQueue();
        queue.Attach();
        var message = Message(queue, DeliveryMode.AtLeastOnce, "a");
        var outcome = message.AsValueTask().AsTask();
        await queue.EnqueueAsync(message, null, CancellationToken.None);

        Assert.True(queue.TryTakeNext(out var taken));
        Assert.Same(message, taken);
        Assert.True(queue.IdsSent);
        Assert.True(queue.Acknowledge("a"));
        Assert.False(outcome.IsCompleted);
        queue.WriteSucceeded(message);

        await outcome.Safe();
        Assert.Equal(0, queue.InFlightCount);
        Assert.Equal(0, queue.PendingCount);
    }

    [Fact]
    public async Task An_ack_that_arrives_while_the_write_is_under_way_completes_the_message_even_if_the_write_then_fails()
    {
        // The old engine forgot such an ack and waited for the next one; the server's ack proves the message arrived.
        using var queue = NewQueue();
        queue.Attach();
        var message = Message(queue, DeliveryMode.AtLeastOnce, "a");
        var outcome = message.AsValueTask().AsTask();
        await queue.EnqueueAsync(message, null, CancellationToken.None);

        Assert.True(queue.TryTakeNext(out _));
        Assert.True(queue.Acknowledge("a"));
        queue.WriteFailed(message, mayHaveLeft: true);

        await outcome.Safe();
        Assert.Equal(0, queue.PendingCount);
        Assert.Equal(0, queue.InFlightCount);
    }

    [Fact]
    public async Task A_write_that_fails_without_an_ack_keeps_the_message_at_its_place_for_the_next_write()
    {
        using var queue = NewQueue();
        queue.Attach();
        var first = Message(queue, DeliveryMode.AtLeastOnce, "a");
        var second = Message(queue, DeliveryMode.AtLeastOnce, "b");
        var outcome = first.AsValueTask().AsTask();
        await queue.EnqueueAsync(first, null, CancellationToken.None);
        await queue.EnqueueAsync(second, null, CancellationToken.None);

        Assert.True(queue.TryTakeNext(out _));
        queue.WriteFailed(first, mayHaveLeft: true);
        Assert.False(outcome.IsCompleted);

        Assert.True(queue.TryTakeNext(out var again));
        Assert.Same(first, again);
        queue.WriteSucceeded(first);
        Assert.False(outcome.IsCompleted);
        Assert.Equal(1, queue.InFlightCount);
        Assert.True(queue.Acknowledge("a"));
        await outcome.Safe();
    }

    [Fact]
    public void An_ack_for_an_unknown_id_is_ignored()
    {
        using var queue = NewQueue();
        Assert.False(queue.IdsSent);
        Assert.False(queue.Acknowledge("nobody"));
        Assert.False(queue.Reject("nobody", new ServerRejection("403", "no")));
    }

    [Fact]
    public void Nothing_is_taken_for_writing_while_no_socket_is_attached()
    {
        using var queue = NewQueue();
        var message = Message(queue, DeliveryMode.AtMostOnce, null);
        Assert.True(queue.EnqueueAsync(message, null, CancellationToken.None).AsTask().IsCompletedSuccessfully);
        Assert.False(queue.TryTakeNext(out _));
        queue.Attach();
        Assert.True(queue.TryTakeNext(out _));
        queue.WriteSucceeded(message);
    }

    [Theory]
    [InlineData(QueueOverflow.DropOldest)]
    [InlineData(QueueOverflow.DropNewest)]
    public async Task A_sender_racing_the_write_of_the_only_queued_message_is_never_left_waiting(QueueOverflow overflow)
    {
        // Issue 10, defect 4: a sender that found the queue full while its only message was being written registered its
        // wake-up apart from that decision and could miss the end of the write, waiting forever on an empty queue. Here a
        // pump thread ends each write a varying moment after the sender starts to enqueue the next message into a queue of
        // capacity one, a few thousand times: every admission completes, and every message is written, in order.
        const int Rounds = 3_000;
        using var queue = NewQueue(new QueueOptions { MaxMessages = 1, Overflow = overflow });
        queue.Attach();
        using var stop = new CancellationTokenSource();
        long taken = 0;
        long enqueuing = 0;
        List<long> written = [];
        var pump = Task.Run(async () =>
        {
            var random = new Random(overflow.GetHashCode());
            while (!stop.IsCancellationRequested)
            {
                await queue.WaitForWorkAsync(stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                while (queue.TryTakeNext(out var message))
                {
                    Volatile.Write(ref taken, message.Sequence);
                    var spinner = default(SpinWait);
                    while (Volatile.Read(ref enqueuing) <= message.Sequence)
                    {
                        spinner.SpinOnce(sleep1Threshold: -1);
                    }

                    Thread.SpinWait(random.Next(100)); // the write ends around the next sender's decision
                    written.Add(message.Sequence);
                    queue.WriteSucceeded(message);
                }
            }
        });

        var outcomes = new List<Task>(Rounds);
        var waited = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var message = Message(queue, DeliveryMode.AtMostOnce, null);
            outcomes.Add(message.AsValueTask().AsTask());
            Volatile.Write(ref enqueuing, message.Sequence);
            var admission = queue.EnqueueAsync(message, null, CancellationToken.None).AsTask();
            waited += admission.IsCompleted ? 0 : 1;
            await admission.Safe();

            // The next sender comes once this message is on the wire.
            var spinner = default(SpinWait);
            while (Volatile.Read(ref taken) != message.Sequence)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        Volatile.Write(ref enqueuing, long.MaxValue);
        await Task.WhenAll(outcomes).Safe();
        stop.Cancel();
        await pump.Safe();
        Assert.Equal(outcomes.Count, written.Count);
        Assert.Equal(written.Order(), written);
        Assert.Equal(0, queue.PendingCount);
        Assert.True(waited > 0, "no sender ever found the only message being written");
    }
}
