using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using RealtimeClient.Buffers;
using RealtimeClient.Diagnostics;
using RealtimeClient.Inbound;
using RealtimeClient.Serialization;

namespace RealtimeClient.Benchmarks;

/// <summary>
/// Dispatch to a typed subscriber: the receive loop's hand-off (PostAsync of a rented copy) through the bounded channel
/// to the dispatch task, which decodes the envelope and calls the On&lt;Tick&gt;("tick") observer. Per message, measured
/// over a batch of <see cref="Batch"/> messages (the dispatch task runs on another thread, as in the library).
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private const int Batch = 1000;
    private Dispatcher _typed = null!;
    private Dispatcher _raw = null!;
    private CountingObserver<Tick> _ticks = null!;
    private CountingObserver<InboundMessage> _messages = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = new DispatchOptions { Overflow = DispatchOverflow.Wait };
        var errors = new ErrorReporter(NullLogger.Instance);
        var serializer = new SystemTextJsonSerializer(BenchJsonContext.Default);
        _typed = new Dispatcher(options, JsonEnvelopeFormat.Default, serializer, [], errors, NullLogger.Instance);
        _ticks = new CountingObserver<Tick>();
        _typed.On<Tick>("tick").Subscribe(_ticks);
        _raw = new Dispatcher(options, JsonEnvelopeFormat.Default, serializer, [], errors, NullLogger.Instance);
        _messages = new CountingObserver<InboundMessage>();
        _raw.Messages.Subscribe(_messages);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _typed.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _raw.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>256-byte tick envelope → On&lt;Tick&gt; observer.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void Post_TypedTick() => Run(_typed, _ticks, Payloads.TickEnvelope);

    /// <summary>64-byte text → Messages observer (the string is the message itself: 152 B).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void Post_RawText64() => Run(_raw, _messages, Payloads.Text64);

    private static void Run<T>(Dispatcher dispatcher, CountingObserver<T> observer, byte[] message)
    {
        var done = observer.Expect(Batch);
        for (var i = 0; i < Batch; i++)
        {
            var post = dispatcher.PostAsync(new DispatchItem(MessageKind.Text, RentedBuffer.CopyOf(message), null), CancellationToken.None);
            if (!post.IsCompletedSuccessfully)
            {
                post.AsTask().GetAwaiter().GetResult();
            }
        }

        done.Wait();
    }
}

/// <summary>Counts OnNext calls and releases a waiter when the expected count is reached.</summary>
internal sealed class CountingObserver<T> : IObserver<T>
{
    private readonly ManualResetEventSlim _reached = new(false);
    private long _count;
    private long _target = long.MaxValue;

    public long Count => Volatile.Read(ref _count);

    public ManualResetEventSlim Expect(int more)
    {
        _reached.Reset();
        Volatile.Write(ref _target, Count + more);
        if (Count >= Volatile.Read(ref _target))
        {
            _reached.Set();
        }

        return _reached;
    }

    public void OnNext(T value)
    {
        if (Interlocked.Increment(ref _count) >= Volatile.Read(ref _target))
        {
            _reached.Set();
        }
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }
}
