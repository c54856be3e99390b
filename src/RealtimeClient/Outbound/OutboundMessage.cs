using System.Threading.Tasks.Sources;
using RealtimeClient.Buffers;
using RealtimeClient.Diagnostics;

namespace RealtimeClient.Outbound;

/// <summary>Where a message is in the outbound queue; guarded by the queue's lock.</summary>
internal enum MessagePlace
{
    /// <summary>Not in the queue: not admitted yet, or finished.</summary>
    None = 0,

    /// <summary>In the pending list, waiting to be written.</summary>
    Pending = 1,

    /// <summary>Being written by the pump (it stays at the head of the pending list meanwhile).</summary>
    Writing = 2,

    /// <summary>Written, waiting for its acknowledgement.</summary>
    InFlight = 3,
}

/// <summary>
/// One outbound message and its outcome. It owns its encoded bytes (returned to the pool when the outcome is set) and is
/// the <see cref="IValueTaskSource"/> behind the send's <see cref="ValueTask"/>. Every instance ends in exactly one
/// outcome: <see cref="TrySucceed"/> or one of the <c>TryFail</c> overloads.
/// </summary>
internal sealed class OutboundMessage : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private RentedBuffer _bytes;
    private int _done;

    public OutboundMessage(long sequence, RentedBuffer bytes, MessageKind kind, DeliveryMode mode, string? id)
    {
        Sequence = sequence;
        _bytes = bytes;
        Length = bytes.Length;
        Kind = kind;
        Mode = mode;
        Id = id;
    }

    /// <summary>The order of the send call: the queue keeps messages in this order, resends included.</summary>
    public long Sequence { get; }

    public int Length { get; }

    public MessageKind Kind { get; }

    public DeliveryMode Mode { get; }

    public string? Id { get; }

    /// <summary>The encoded message; empty once the outcome is set.</summary>
    public ReadOnlyMemory<byte> Payload => _bytes.Memory;

    public bool IsCompleted => Volatile.Read(ref _done) != 0;

    /// <summary>Set when a write of this message succeeded (requests read it to know whether a lost connection saw it).</summary>
    public bool WasWritten { get; private set; }

    // Queue bookkeeping, guarded by the queue's lock.
    internal MessagePlace Place { get; set; }

    internal LinkedListNode<OutboundMessage>? Node { get; set; }

    /// <summary>The session on which the last write was attempted (for refusals by close).</summary>
    internal long AttemptedOnSession { get; set; }

    /// <summary>
    /// An at-most-once write of it failed after bytes may have left: it is not written again, unless the session ends with
    /// a refusing close that names it (the server did not take it). Settled when the session detaches.
    /// </summary>
    internal bool WriteInterrupted { get; set; }

    /// <summary>How many sessions ended with a refusing close (1003/1007/1009) while it was the oldest message without an outcome.</summary>
    internal int RefusalStrikes { get; set; }

    /// <summary>When its last write began (a timestamp of the connection's clock; acknowledged messages only), for the acknowledgement latency.</summary>
    internal long WriteStarted { get; set; }

    /// <summary>When its acknowledgement is overdue (timestamp ticks), while in flight.</summary>
    internal long AckDeadline { get; set; }

    /// <summary>Its acknowledgement arrived while it was still being written.</summary>
    internal bool AckedWhileWriting { get; set; }

    /// <summary>A refusal that arrived while it was still being written.</summary>
    internal ServerRejection? RejectedWhileWriting { get; set; }

    /// <summary>Its time to live ran out while it was being written.</summary>
    internal bool ExpiredWhileWriting { get; set; }

    /// <summary>Its send was cancelled while it was being written (a write under way is not cut short).</summary>
    internal bool CancelledWhileWriting { get; set; }

    internal ITimer? ExpiryTimer { get; set; }

    internal CancellationTokenRegistration Cancellation { get; set; }

    public ValueTask AsValueTask() => new(this, _core.Version);

    internal void MarkWritten() => WasWritten = true;

    public bool TrySucceed(ConnectionTelemetry telemetry) => TryFinish(null, telemetry);

    public bool TryFail(DeliveryFailureReason reason, ConnectionTelemetry telemetry) => TryFinish(new MessageDeliveryException(reason, Id), telemetry);

    public bool TryFail(ServerRejection rejection, ConnectionTelemetry telemetry) => TryFinish(new MessageDeliveryException(Id, rejection), telemetry);

    /// <summary>Sets the one outcome; it is measured first (a failure by reason, an acknowledgement's latency), so whoever sees the outcome sees its measurement.</summary>
    private bool TryFinish(MessageDeliveryException? error, ConnectionTelemetry telemetry)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return false;
        }

        if (error is not null)
        {
            telemetry.MessageFailed(error.Reason);
        }
        else if (Mode == DeliveryMode.AtLeastOnce)
        {
            telemetry.Acknowledged(WriteStarted); // an acknowledged message succeeds only by its acknowledgement
        }

        ExpiryTimer?.Dispose();
        Cancellation.Dispose();
        var bytes = _bytes;
        _bytes = default;
        bytes.Return();
        if (error is null)
        {
            _core.SetResult(true);
        }
        else
        {
            _core.SetException(error);
        }

        return true;
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
