using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Tasks.Sources;

namespace RealtimeClient.Internal;

/// <summary>
/// One queued outbound message and its outcome. It owns a payload buffer rented from <see cref="ArrayPool{T}.Shared"/>,
/// returned when the outcome is set, and is the <see cref="IValueTaskSource"/> behind the send's <see cref="ValueTask"/>.
/// Every instance ends in exactly one outcome: <see cref="TrySucceed"/> or <see cref="TryFail"/>.
/// </summary>
internal sealed class OutboundMessage : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private byte[]? _buffer;
    private int _done;

    public OutboundMessage(byte[] rentedBuffer, int length, MessageKind kind, DeliveryMode mode, string? id)
    {
        _buffer = rentedBuffer;
        Length = length;
        Kind = kind;
        Mode = mode;
        Id = id;
    }

    public int Length { get; }

    public MessageKind Kind { get; }

    public DeliveryMode Mode { get; }

    public string? Id { get; }

    public WebSocketMessageType MessageType => Kind.ToWebSocket();

    public ReadOnlyMemory<byte> Payload => _buffer is { } buffer ? buffer.AsMemory(0, Length) : ReadOnlyMemory<byte>.Empty;

    // Queue bookkeeping, guarded by the queue's lock.
    internal LinkedListNode<OutboundMessage>? Node { get; set; }

    internal bool IsWriting { get; set; }

    /// <summary>Its acknowledgement arrived while it was still being written (the ack overtook the end of the write).</summary>
    internal bool AckedWhileWriting { get; set; }

    internal bool InFlight { get; set; }

    internal ITimer? ExpiryTimer { get; set; }

    internal ITimer? AckTimer { get; set; }

    internal CancellationTokenRegistration Cancellation { get; set; }

    public bool IsCompleted => Volatile.Read(ref _done) != 0;

    public ValueTask AsValueTask() => new(this, _core.Version);

    public bool TrySucceed() => TryFinish(null);

    public bool TryFail(DeliveryFailureReason reason, Exception? inner = null) =>
        TryFinish(new MessageDeliveryException(reason, Id, inner));

    private bool TryFinish(Exception? error)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return false;
        }

        ExpiryTimer?.Dispose();
        AckTimer?.Dispose();
        Cancellation.Dispose();
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

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
