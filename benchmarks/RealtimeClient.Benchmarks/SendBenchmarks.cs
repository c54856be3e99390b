using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using RealtimeClient.Buffers;
using RealtimeClient.Diagnostics;
using RealtimeClient.Outbound;

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
        var errors = new ErrorReporter(NullLogger.Instance);
        _queue = new OutboundQueue(new QueueOptions(), new AcknowledgementOptions(), TimeProvider.System, NullLogger.Instance, errors);
        _ackQueue = new OutboundQueue(new QueueOptions(), new AcknowledgementOptions(), TimeProvider.System, NullLogger.Instance, errors);
        _queue.Attach();
        _ackQueue.Attach();
        _ids = new string[1024];
        for (var i = 0; i < _ids.Length; i++)
        {
            _ids[i] = "m-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>At most once: rent + copy, enqueue, TryTakeNext, WriteSucceeded (completes the send's ValueTask).</summary>
    [Benchmark(Baseline = true)]
    public void Queue_AtMostOnce()
    {
        var message = new OutboundMessage(_queue.NextSequence(), RentedBuffer.CopyOf(Payloads.Text64), MessageKind.Text, DeliveryMode.AtMostOnce, null);
        var outcome = message.AsValueTask();
        Complete(_queue.EnqueueAsync(message, null, CancellationToken.None));
        _queue.TryTakeNext(out var taken);
        _queue.WriteSucceeded(taken!);
        Complete(outcome);
    }

    /// <summary>Ack bookkeeping: at-least-once enqueue, TryTakeNext, WriteSucceeded (in flight, ack clock), Acknowledge(id).</summary>
    [Benchmark]
    public void Queue_AtLeastOnce_Ack()
    {
        var id = _ids[_next++ & 1023];
        var message = new OutboundMessage(_ackQueue.NextSequence(), RentedBuffer.CopyOf(Payloads.Text64), MessageKind.Text, DeliveryMode.AtLeastOnce, id);
        var outcome = message.AsValueTask();
        Complete(_ackQueue.EnqueueAsync(message, null, CancellationToken.None));
        _ackQueue.TryTakeNext(out var taken);
        _ackQueue.WriteSucceeded(taken!);
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
