using Microsoft.Extensions.Logging;

namespace RealtimeClient.Internal;

/// <summary>
/// The outbound queue: outlives sessions, bounded by count and bytes, FIFO for text and binary alike. A message
/// leaves it only after it was really written (peek, write, remove); acknowledged messages then wait in the in-flight
/// list until their ack, and go back to the front of the queue, in order, when a new session starts.
/// All state is guarded by one lock; outcomes are set outside it.
/// </summary>
internal sealed class OutboundQueue
{
    private readonly object _gate = new();
    private readonly QueueOptions _options;
    private readonly AcknowledgementOptions _ackOptions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<OutboundMessage, DeliveryFailureReason> _onDropped;
    private readonly LinkedList<OutboundMessage> _pending = new();
    private readonly LinkedList<OutboundMessage> _inFlight = new();
    private readonly Dictionary<string, OutboundMessage> _inFlightById = new(StringComparer.Ordinal);
    private readonly List<TaskCompletionSource> _spaceWaiters = [];
    private readonly LinkedList<AdmissionWaiter> _admissionWaiters = new();
    private readonly List<TaskCompletionSource> _drainWaiters = [];
    private TaskCompletionSource? _workSignal;
    private OutboundMessage? _writing;
    private long _pendingBytes;

    public OutboundQueue(QueueOptions options, AcknowledgementOptions ackOptions, TimeProvider time, ILogger logger,
        Action<OutboundMessage, DeliveryFailureReason> onDropped)
    {
        _options = options;
        _ackOptions = ackOptions;
        _time = time;
        _logger = logger;
        _onDropped = onDropped;
    }

    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public long PendingBytes
    {
        get
        {
            lock (_gate)
            {
                return _pendingBytes;
            }
        }
    }

    public int InFlightCount
    {
        get
        {
            lock (_gate)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>True when an acknowledgement may arrive: a message is in flight or an acknowledged one is being written.</summary>
    public bool AwaitsAcknowledgements
    {
        get
        {
            lock (_gate)
            {
                return _inFlight.Count > 0 || _writing is not null;
            }
        }
    }

    /// <summary>True when nothing is pending: a direct write by the caller keeps the order.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count == 0;
            }
        }
    }

    /// <summary>Adds <paramref name="message"/> at the back, applying the overflow policy. The message's task carries the outcome.</summary>
    public async ValueTask EnqueueAsync(OutboundMessage message, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        if (message.Length > _options.MaxBytes)
        {
            Fail(message, DeliveryFailureReason.TooLarge);
            return;
        }

        while (true)
        {
            OutboundMessage? dropped = null;
            AdmissionWaiter? admission = null;
            lock (_gate)
            {
                // Senders waiting for room (QueueOverflow.Wait) are admitted first, in the order they called.
                if (!IsFull(message.Length) && _admissionWaiters.Count == 0)
                {
                    Add(message, timeToLive, cancellationToken);
                    break;
                }

                switch (_options.Overflow)
                {
                    case QueueOverflow.RejectNew:
                        break;
                    case QueueOverflow.DropOldest:
                        dropped = FirstRemovable(_pending.First, forward: true);
                        break;
                    case QueueOverflow.DropNewest:
                        dropped = FirstRemovable(_pending.Last, forward: false);
                        break;
                    default:
                        admission = new AdmissionWaiter(message, timeToLive, cancellationToken);
                        admission.Node = _admissionWaiters.AddLast(admission);
                        break;
                }

                if (dropped is not null)
                {
                    RemovePending(dropped);
                }
            }

            if (admission is not null)
            {
                await WaitForAdmissionAsync(admission, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (_options.Overflow == QueueOverflow.RejectNew)
            {
                Fail(message, DeliveryFailureReason.Rejected);
                return;
            }

            if (dropped is not null)
            {
                Fail(dropped, DeliveryFailureReason.Dropped);
                continue;
            }

            // Nothing removable (the only message is being written): wait for the write to finish.
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _spaceWaiters.Add(waiter);
            }

            try
            {
                await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    _spaceWaiters.Remove(waiter);
                }

                Fail(message, DeliveryFailureReason.Cancelled);
                return;
            }
        }

        Signal();
    }

    /// <summary>
    /// Waits until <see cref="NotifySpaceAndDrain"/> moves the waiting message into the queue (in the order the senders
    /// called) or <see cref="FailAll"/> fails it; cancelling fails it with <see cref="DeliveryFailureReason.Cancelled"/>
    /// unless it was admitted meanwhile (its cancellation registration in the queue then takes over).
    /// </summary>
    private async ValueTask WaitForAdmissionAsync(AdmissionWaiter admission, CancellationToken cancellationToken)
    {
        try
        {
            await admission.Admitted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            bool removed;
            lock (_gate)
            {
                removed = admission.Node?.List is not null;
                if (removed)
                {
                    _admissionWaiters.Remove(admission.Node!);
                    admission.Node = null;
                }
            }

            if (removed)
            {
                Fail(admission.Message, DeliveryFailureReason.Cancelled);
            }
        }
    }

    /// <summary>Puts a message that the caller failed to write directly at the front of the queue.</summary>
    public void PushFront(OutboundMessage message)
    {
        lock (_gate)
        {
            message.Node = _pending.AddFirst(message);
            _pendingBytes += message.Length;
        }

        Signal();
    }

    /// <summary>Peeks the next message to write and marks it as being written; null when there is none that may go now.</summary>
    public OutboundMessage? TakeNext()
    {
        lock (_gate)
        {
            if (!HeadMayGo(out var head))
            {
                return null;
            }

            head.IsWriting = true;
            if (head.Mode == DeliveryMode.AtLeastOnce)
            {
                // Its ack may arrive before the write returns: Acknowledge must find it.
                _writing = head;
            }

            return head;
        }
    }

    /// <summary>The write of <paramref name="message"/> failed: it stays at the head for the next session.</summary>
    public void WriteFailed(OutboundMessage message)
    {
        lock (_gate)
        {
            message.IsWriting = false;
            message.AckedWhileWriting = false;
            if (_writing == message)
            {
                _writing = null;
            }
        }
    }

    /// <summary>The write of <paramref name="message"/> succeeded: remove it; at-most-once completes, at-least-once waits for its ack.</summary>
    public void WriteSucceeded(OutboundMessage message)
    {
        var complete = false;
        lock (_gate)
        {
            message.IsWriting = false;
            if (_writing == message)
            {
                _writing = null;
            }

            if (message.Node is not null)
            {
                RemovePending(message);
            }

            if (message.IsCompleted)
            {
                // Expired or cancelled while being written: its outcome is already set.
            }
            else if (message.AckedWhileWriting)
            {
                // The server accepted it before the write returned.
                complete = true;
            }
            else if (message.Mode == DeliveryMode.AtLeastOnce)
            {
                message.InFlight = true;
                message.Node = _inFlight.AddLast(message);
                _inFlightById[message.Id!] = message;
                message.AckTimer?.Dispose();
                message.AckTimer = _time.CreateTimer(static s => ((AckTimerState)s!).Fire(), new AckTimerState(this, message), _ackOptions.AckTimeout, Timeout.InfiniteTimeSpan);
            }
            else
            {
                complete = true;
            }
        }

        if (complete)
        {
            message.TrySucceed();
        }

        NotifySpaceAndDrain();
    }

    /// <summary>Completes the in-flight message with <paramref name="id"/>; false if none is waiting for it.</summary>
    public bool Acknowledge(string id)
    {
        OutboundMessage? message;
        lock (_gate)
        {
            if (!_inFlightById.TryGetValue(id, out message))
            {
                if (_writing is { } writing && string.Equals(writing.Id, id, StringComparison.Ordinal))
                {
                    // The ack overtook the end of the write: WriteSucceeded completes the message.
                    writing.AckedWhileWriting = true;
                    return true;
                }

                return false;
            }

            RemoveInFlight(message);
        }

        message.TrySucceed();
        Signal();
        NotifySpaceAndDrain();
        return true;
    }

    /// <summary>At the start of a session: every unacknowledged message goes back to the front of the queue, in its original order.</summary>
    public int RequeueInFlight()
    {
        int count;
        lock (_gate)
        {
            count = _inFlight.Count;
            for (var node = _inFlight.Last; node is not null;)
            {
                var previous = node.Previous;
                ReturnToFront(node.Value);
                node = previous;
            }
        }

        if (count > 0)
        {
            Log.ResendingUnacknowledged(_logger, count);
            Signal();
        }

        return count;
    }

    /// <summary>Waits until there may be something to write.</summary>
    public Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (HeadMayGo(out _))
            {
                return Task.CompletedTask;
            }

            _workSignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _workSignal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Fails everything pending and in flight (except a message being written) with <paramref name="reason"/>.</summary>
    public int FailAll(DeliveryFailureReason reason)
    {
        List<OutboundMessage> failed = [];
        lock (_gate)
        {
            for (var node = _pending.First; node is not null;)
            {
                var next = node.Next;
                if (!node.Value.IsWriting)
                {
                    failed.Add(node.Value);
                    RemovePending(node.Value);
                }

                node = next;
            }

            foreach (var message in _inFlight)
            {
                message.Node = null;
                message.InFlight = false;
                failed.Add(message);
            }

            _inFlight.Clear();
            _inFlightById.Clear();

            // Senders still waiting for room would otherwise be admitted below, into a queue nobody drains.
            foreach (var admission in _admissionWaiters)
            {
                admission.Node = null;
                failed.Add(admission.Message);
                admission.Admitted.TrySetResult();
            }

            _admissionWaiters.Clear();
        }

        foreach (var message in failed)
        {
            message.TryFail(reason);
        }

        NotifySpaceAndDrain();
        return failed.Count;
    }

    /// <summary>Completes when nothing is pending or in flight.</summary>
    public Task WhenDrainedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_pending.Count == 0 && _inFlight.Count == 0)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _drainWaiters.Add(waiter);
            return waiter.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Under the lock: whether the head of the queue may be written now (not already being written, and room in flight for an acknowledged one).</summary>
    private bool HeadMayGo([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OutboundMessage? head)
    {
        head = _pending.First?.Value;
        return head is not null && !head.IsWriting && (head.Mode != DeliveryMode.AtLeastOnce || _inFlight.Count < _ackOptions.MaxInFlight);
    }

    /// <summary>Under the lock: takes <paramref name="message"/> out of the in-flight list.</summary>
    private void RemoveInFlight(OutboundMessage message)
    {
        _inFlight.Remove(message.Node!);
        _inFlightById.Remove(message.Id!);
        message.Node = null;
        message.InFlight = false;
    }

    /// <summary>Under the lock: moves an in-flight message back to the front of the queue, to be written again.</summary>
    private void ReturnToFront(OutboundMessage message)
    {
        RemoveInFlight(message);
        message.AckTimer?.Dispose();
        message.AckTimer = null;
        message.Node = _pending.AddFirst(message);
        _pendingBytes += message.Length;
    }

    private bool IsFull(int length) => _pending.Count >= _options.MaxMessages || _pendingBytes + length > _options.MaxBytes;

    private static OutboundMessage? FirstRemovable(LinkedListNode<OutboundMessage>? node, bool forward)
    {
        while (node is not null && node.Value.IsWriting)
        {
            node = forward ? node.Next : node.Previous;
        }

        return node?.Value;
    }

    private void Add(OutboundMessage message, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        message.Node = _pending.AddLast(message);
        _pendingBytes += message.Length;
        if (timeToLive is { } ttl)
        {
            message.ExpiryTimer = _time.CreateTimer(static s => ((ExpiryState)s!).Fire(), new ExpiryState(this, message), ttl, Timeout.InfiniteTimeSpan);
        }

        if (cancellationToken.CanBeCanceled)
        {
            message.Cancellation = cancellationToken.UnsafeRegister(static s => ((ExpiryState)s!).Cancel(), new ExpiryState(this, message));
        }
    }

    private void RemovePending(OutboundMessage message)
    {
        _pending.Remove(message.Node!);
        message.Node = null;
        _pendingBytes -= message.Length;
    }

    /// <summary>Removes a message that is pending (not being written) or in flight; false if it is not there any more.</summary>
    private bool TryRemove(OutboundMessage message)
    {
        lock (_gate)
        {
            if (message.Node is null || message.IsWriting)
            {
                return false;
            }

            if (message.InFlight)
            {
                RemoveInFlight(message);
            }
            else
            {
                RemovePending(message);
            }

            return true;
        }
    }

    private void Fail(OutboundMessage message, DeliveryFailureReason reason)
    {
        if (message.TryFail(reason))
        {
            Log.MessageDropped(_logger, reason, PendingCount);
            _onDropped(message, reason);
        }

        NotifySpaceAndDrain();
    }

    private void Signal()
    {
        TaskCompletionSource? signal;
        lock (_gate)
        {
            signal = _workSignal;
            _workSignal = null;
        }

        signal?.TrySetResult();
    }

    private void NotifySpaceAndDrain()
    {
        TaskCompletionSource[]? space = null;
        TaskCompletionSource[]? drained = null;
        List<AdmissionWaiter>? admitted = null;
        lock (_gate)
        {
            // Admit waiting senders in the order they called, while there is room for the first of them.
            while (_admissionWaiters.First is { } first && !IsFull(first.Value.Message.Length))
            {
                var admission = first.Value;
                _admissionWaiters.RemoveFirst();
                admission.Node = null;
                Add(admission.Message, admission.TimeToLive, admission.CancellationToken);
                (admitted ??= []).Add(admission);
            }

            if (_spaceWaiters.Count > 0 && !IsFull(0))
            {
                space = [.. _spaceWaiters];
                _spaceWaiters.Clear();
            }

            if (_drainWaiters.Count > 0 && _pending.Count == 0 && _inFlight.Count == 0)
            {
                drained = [.. _drainWaiters];
                _drainWaiters.Clear();
            }
        }

        foreach (var waiter in space ?? [])
        {
            waiter.TrySetResult();
        }

        foreach (var waiter in drained ?? [])
        {
            waiter.TrySetResult();
        }

        if (admitted is not null)
        {
            foreach (var admission in admitted)
            {
                admission.Admitted.TrySetResult();
            }

            Signal();
        }
    }

    private void OnAckTimeout(OutboundMessage message)
    {
        lock (_gate)
        {
            if (!message.InFlight || message.Node is null)
            {
                return;
            }

            if (_ackOptions.OnAckTimeout == AckTimeoutAction.Resend)
            {
                ReturnToFront(message);
            }
        }

        if (_ackOptions.OnAckTimeout == AckTimeoutAction.Resend)
        {
            Signal();
        }
        else if (TryRemove(message))
        {
            Fail(message, DeliveryFailureReason.AckTimeout);
        }
    }

    private sealed class ExpiryState(OutboundQueue queue, OutboundMessage message)
    {
        public void Fire()
        {
            if (queue.TryRemove(message))
            {
                queue.Fail(message, DeliveryFailureReason.Expired);
            }
        }

        public void Cancel()
        {
            if (queue.TryRemove(message))
            {
                queue.Fail(message, DeliveryFailureReason.Cancelled);
            }
        }
    }

    /// <summary>A sender waiting for room under <see cref="QueueOverflow.Wait"/>, with what it needs to be queued.</summary>
    private sealed class AdmissionWaiter(OutboundMessage message, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        public OutboundMessage Message { get; } = message;

        public TimeSpan? TimeToLive { get; } = timeToLive;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public LinkedListNode<AdmissionWaiter>? Node { get; set; }

        public TaskCompletionSource Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class AckTimerState(OutboundQueue queue, OutboundMessage message)
    {
        public void Fire() => queue.OnAckTimeout(message);
    }
}
