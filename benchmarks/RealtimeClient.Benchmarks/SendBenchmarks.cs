using System.Buffers;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using RealtimeClient.Internal;

namespace RealtimeClient.Benchmarks;

/// <summary>
/// Send through the queue: what the session's pump does per message while the queue is in use (after a reconnect or
/// while the direct-write fast path is taken): enqueue, take the next, report the write, plus the at-least-once ack
/// bookkeeping (in flight until its acknowledgement arrives).
/// </summary>
[MemoryDiagnoser]
public class SendBenchmarks
{
    private OutboundQueue _queue = null!;
    private OutboundQueue _ackQueue = null!;
    private string[] _ids = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _queue = new OutboundQueue(new QueueOptions(), new AcknowledgementOptions(), TimeProvider.System, NullLogger.Instance, static (_, _) => { });
        _ackQueue = new OutboundQueue(new QueueOptions(), new AcknowledgementOptions(), TimeProvider.System, NullLogger.Instance, static (_, _) => { });
        _ids = new string[1024];
        for (var i = 0; i < _ids.Length; i++)
        {
            _ids[i] = "m-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>At most once: rent + encode, enqueue, TakeNext, WriteSucceeded (completes the send's ValueTask).</summary>
    [Benchmark(Baseline = true)]
    public void Queue_AtMostOnce()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Payloads.Text64.Length);
        Payloads.Text64.CopyTo(buffer, 0);
        var message = new OutboundMessage(buffer, Payloads.Text64.Length, MessageKind.Text, DeliveryMode.AtMostOnce, null);
        var outcome = message.AsValueTask();
        Complete(_queue.EnqueueAsync(message, null, CancellationToken.None));
        var taken = _queue.TakeNext()!;
        _queue.WriteSucceeded(taken);
        Complete(outcome);
    }

    /// <summary>Ack bookkeeping: at-least-once enqueue, TakeNext, WriteSucceeded (in flight, ack timer), Acknowledge(id).</summary>
    [Benchmark]
    public void Queue_AtLeastOnce_Ack()
    {
        var id = _ids[_next++ & 1023];
        var buffer = ArrayPool<byte>.Shared.Rent(Payloads.Text64.Length);
        Payloads.Text64.CopyTo(buffer, 0);
        var message = new OutboundMessage(buffer, Payloads.Text64.Length, MessageKind.Text, DeliveryMode.AtLeastOnce, id);
        var outcome = message.AsValueTask();
        Complete(_ackQueue.EnqueueAsync(message, null, CancellationToken.None));
        var taken = _ackQueue.TakeNext()!;
        _ackQueue.WriteSucceeded(taken);
        _ackQueue.Acknowledge(id);
        Complete(outcome);
    }

    private static void Complete(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }
}
