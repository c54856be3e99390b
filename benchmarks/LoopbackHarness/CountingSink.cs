using System.Threading.Tasks.Sources;
using LoopbackHarness.Clients;

namespace LoopbackHarness;

/// <summary>
/// The measurement side of a connection: counts what the client delivers, checks it cheaply, and lets the
/// measurement code await "N messages have arrived" without allocating (a reusable <see cref="IValueTaskSource"/>;
/// one waiter at a time). Continuations run on the thread pool for both sides alike.
/// </summary>
internal sealed class CountingSink : IInboundSink, IValueTaskSource, IDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenRegistration _cancellation;
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private long _count;
    private long _target = long.MaxValue;
    private bool _armed;
    private long _mismatches;
    private Exception? _fault;

    /// <param name="cancellationToken">Fails the pending and every later wait when cancelled.</param>
    public CountingSink(CancellationToken cancellationToken)
    {
        _cancellation = cancellationToken.Register(
            static s => ((CountingSink)s!).OnFault(new OperationCanceledException("The run was cancelled or timed out.")), this);
    }

    /// <summary>When not negative, every text message must have this length (else it counts as a mismatch).</summary>
    public int ExpectedTextLength { get; set; } = -1;

    public long Count => Interlocked.Read(ref _count);

    public long Mismatches => Interlocked.Read(ref _mismatches);

    public void OnText(string text)
    {
        if (ExpectedTextLength >= 0 && text.Length != ExpectedTextLength)
        {
            Interlocked.Increment(ref _mismatches);
        }

        Arrived();
    }

    public void OnTick(Tick tick)
    {
        if (tick.Symbol is null)
        {
            Interlocked.Increment(ref _mismatches);
        }

        Arrived();
    }

    public void OnRawMessage(int byteCount) => Arrived();

    public void OnFault(Exception error)
    {
        Interlocked.CompareExchange(ref _fault, error, null);
        lock (_gate)
        {
            if (_armed)
            {
                _armed = false;
                _target = long.MaxValue;
                _core.SetResult(true);
            }
        }
    }

    /// <summary>Completes when <see cref="Count"/> reaches <paramref name="target"/>; throws if the client faulted.</summary>
    public ValueTask WaitForCountAsync(long target)
    {
        lock (_gate)
        {
            if (_armed)
            {
                throw new InvalidOperationException("Only one wait at a time.");
            }

            _core.Reset();
            _armed = true;
            Interlocked.Exchange(ref _target, target);   // full fence: pairs with the increment in Arrived
            if (Interlocked.Read(ref _count) >= target || Volatile.Read(ref _fault) is not null)
            {
                _armed = false;
                _target = long.MaxValue;
                _core.SetResult(true);
            }

            return new ValueTask(this, _core.Version);
        }
    }

    private void Arrived()
    {
        long count = Interlocked.Increment(ref _count);
        if (count >= Volatile.Read(ref _target))
        {
            lock (_gate)
            {
                if (_armed && count >= _target)
                {
                    _armed = false;
                    _target = long.MaxValue;
                    _core.SetResult(true);
                }
            }
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        _core.GetResult(token);
        switch (Volatile.Read(ref _fault))
        {
            case null:
                return;
            case OperationCanceledException oce:
                throw new OperationCanceledException(oce.Message, oce);
            case var fault:
                throw new InvalidOperationException("The client under test failed: " + fault.Message, fault);
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    public void Dispose() => _cancellation.Dispose();
}
