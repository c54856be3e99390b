using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using RealtimeClient.Internal;
using RealtimeClient.Tests.Infrastructure;

namespace RealtimeClient.Tests.Delivery;

/// <summary>Races of the queue that the in-memory server hits only now and then, made deterministic.</summary>
public class OutboundQueueTests
{
    private static OutboundQueue NewQueue() =>
        new(new QueueOptions(), new AcknowledgementOptions(), new ManualTimeProvider(), NullLogger.Instance, (_, _) => { });

    private static OutboundMessage Acknowledged(string id) =>
        new(ArrayPool<byte>.Shared.Rent(16), 2, MessageKind.Text, DeliveryMode.AtLeastOnce, id);

    [Fact]
    public async Task An_ack_that_arrives_before_the_write_returns_completes_the_message()
    {
        var queue = NewQueue();
        var message = Acknowledged("a");
        var outcome = message.AsValueTask().AsTask();
        await queue.EnqueueAsync(message, null, CancellationToken.None);

        Assert.Same(message, queue.TakeNext());
        Assert.True(queue.AwaitsAcknowledgements);
        Assert.True(queue.Acknowledge("a"));
        queue.WriteSucceeded(message);

        await outcome.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, queue.InFlightCount);
        Assert.Equal(0, queue.PendingCount);
    }

    [Fact]
    public async Task An_early_ack_for_a_write_that_then_fails_is_forgotten_and_the_message_waits_for_the_next_ack()
    {
        var queue = NewQueue();
        var message = Acknowledged("a");
        var outcome = message.AsValueTask().AsTask();
        await queue.EnqueueAsync(message, null, CancellationToken.None);

        Assert.Same(message, queue.TakeNext());
        queue.Acknowledge("a");
        queue.WriteFailed(message);
        Assert.False(outcome.IsCompleted);

        Assert.Same(message, queue.TakeNext());
        queue.WriteSucceeded(message);
        Assert.False(outcome.IsCompleted);
        Assert.Equal(1, queue.InFlightCount);
        Assert.True(queue.Acknowledge("a"));
        await outcome.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void An_ack_for_an_unknown_id_is_ignored()
    {
        var queue = NewQueue();
        Assert.False(queue.AwaitsAcknowledgements);
        Assert.False(queue.Acknowledge("nobody"));
    }
}
