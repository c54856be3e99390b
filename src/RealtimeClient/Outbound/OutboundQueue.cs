using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using RealtimeClient.Diagnostics;

namespace RealtimeClient.Outbound;

/// <summary>
/// The outbound queue: outlives sessions; bounded by count and bytes; one order for text and binary alike, the order of
/// the send calls (<see cref="OutboundMessage.Sequence"/>), kept through write failures and resends. A message leaves the
/// pending list only after it was really written (peek, write, remove); acknowledged messages then wait in the
/// <see cref="AcknowledgementTracker"/> and come back, in order, when a new socket is attached or their acknowledgement is
/// overdue. Every message ends in exactly one outcome.
/// </summary>
/// <remarks>
/// One lock guards everything; the invariants are asserted on entry to and exit from every locked section in debug
/// builds; outcomes are set outside the lock (messages to complete are collected in an <see cref="Outcomes"/> list).
/// The overflow decision lives in one method, <see cref="DecideOverflow"/>.
/// </remarks>
internal sealed class OutboundQueue : IDisposable
{
    private readonly Lock _gate = new();
    private readonly QueueOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ErrorReporter _errors;
    private readonly ConnectionTelemetry _telemetry;
    private readonly LinkedList<OutboundMessage> _pending = new();
    private readonly AcknowledgementTracker _acks;
    private readonly LinkedList<Admission> _waiting = new();
    private TaskCompletionSource? _drained; // shared by every drain wait: one that gives up leaves nothing behind

    // What DecideOverflow chose to drop, consumed (and cleared) by DropVictims before anything else runs under the lock.
    private readonly List<OutboundMessage> _victims = [];
    private TaskCompletionSource? _workSignal;
    private OutboundMessage? _writing;
    private long _pendingBytes;
    private long _sequence;
    private long _session;
    private bool _attached;
    private bool _idsSent;
    private DeliveryFailureReason? _closedWith;

    public OutboundQueue(QueueOptions options, AcknowledgementOptions ackOptions, TimeProvider time, ILogger logger, ErrorReporter errors, ConnectionTelemetry? telemetry = null)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _errors = errors;
        _telemetry = telemetry ?? ConnectionTelemetry.None;
        _acks = new AcknowledgementTracker(ackOptions, time, static s => ((OutboundQueue)s!).OnAckTimer(), this);
        OnAckTimeout = ackOptions.OnAckTimeout;
    }

    private AckTimeoutAction OnAckTimeout { get; }

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
                return _acks.Count;
            }
        }
    }

    /// <summary>Pending messages (the one being written included), their bytes, and messages in flight, read together (for the observable instruments).</summary>
    public (int Pending, long PendingBytes, int InFlight) Snapshot()
    {
        lock (_gate)
        {
            return (_pending.Count, _pendingBytes, _acks.Count);
        }
    }

    /// <summary>True when nothing is pending: a caller holding the write lock may write its own message now and keep the order.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count == 0 && !_closedWith.HasValue;
            }
        }
    }

    /// <summary>Whether sends are refused because the connection closed (and with which reason).</summary>
    public DeliveryFailureReason? ClosedWith
    {
        get
        {
            lock (_gate)
            {
                return _closedWith;
            }
        }
    }

    /// <summary>The next number in the order of send calls.</summary>
    public long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>
    /// True once a message with an id was sent (queued or written directly): from then on the server may acknowledge or
    /// refuse one by repeating its id, even long after its send completed, so inbound envelopes are worth reading. Read on
    /// every received message, so it takes no lock (and never turns false again).
    /// </summary>
    public bool IdsSent => Volatile.Read(ref _idsSent);

    /// <summary>Records that a message with an id is being sent (see <see cref="IdsSent"/>).</summary>
    public void NoteIdSent()
    {
        if (!Volatile.Read(ref _idsSent))
        {
            Volatile.Write(ref _idsSent, true);
        }
    }

    /// <summary>
    /// Adds <paramref name="message"/> at its place in the order, applying the overflow policy; its own task carries the
    /// outcome. Completes when the message is queued or has failed (a sender under <see cref="QueueOverflow.Wait"/> waits
    /// here for room, honouring <paramref name="cancellationToken"/>).
    /// </summary>
    public ValueTask EnqueueAsync(OutboundMessage message, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        if (message.Id is not null)
        {
            NoteIdSent();
        }

        var outcomes = new Outcomes();
        Admission? wait = null;
        var admitted = false;
        lock (_gate)
        {
            AssertInvariants();
            if (_closedWith is { } closed)
            {
                outcomes.Fail(message, closed);
            }
            else if (message.Length > _options.MaxBytes)
            {
                outcomes.Fail(message, DeliveryFailureReason.TooLarge);
            }
            else
            {
                switch (DecideOverflow(message.Length, behindWaiters: _waiting.Count > 0, _victims))
                {
                    case Overflow.Admit:
                        Admit(message, timeToLive, cancellationToken);
                        admitted = true;
                        break;
                    case Overflow.DropVictims:
                        DropVictims(_victims, ref outcomes);
                        Admit(message, timeToLive, cancellationToken);
                        admitted = true;
                        break;
                    case Overflow.Refuse:
                        outcomes.Drop(message, DeliveryFailureReason.QueueFull);
                        break;
                    default:
                        wait = new Admission(message, timeToLive, cancellationToken);
                        wait.Node = _waiting.AddLast(wait);
                        StartExpiry(message, timeToLive); // the time to live runs while the sender waits for room too
                        break;
                }
            }

            AssertInvariants();
        }

        Finish(outcomes);
        if (admitted)
        {
            Signal();
        }

        return wait is null ? default : WaitForAdmissionAsync(wait);
    }

    /// <summary>
    /// The one place the overflow policy is decided, under the lock: admit, drop victims to make room, refuse, or wait. A
    /// new policy is one more case here (and its enum value). Called for a new sender and again for each sender waiting for
    /// room whenever the queue changes, so a waiting sender is admitted as soon as its policy allows.
    /// </summary>
    /// <param name="length">The size of the message to admit.</param>
    /// <param name="behindWaiters">Whether other senders already wait for room: they go first, in the order they called.</param>
    /// <param name="victims">Filled with the messages to drop, in the order the policy gives them up, for <see cref="Overflow.DropVictims"/>.</param>
    private Overflow DecideOverflow(int length, bool behindWaiters, List<OutboundMessage> victims)
    {
        victims.Clear();
        if (!behindWaiters && !IsFull(length))
        {
            return Overflow.Admit;
        }

        bool forward;
        switch (_options.Overflow)
        {
            case QueueOverflow.RejectNew:
                return Overflow.Refuse;
            case QueueOverflow.DropOldest:
                forward = true;
                break;
            case QueueOverflow.DropNewest:
                forward = false;
                break;
            default:
                return Overflow.Wait;
        }

        if (behindWaiters)
        {
            return Overflow.Wait;
        }

        // Drop from the policy's end until the message fits. The message being written cannot be dropped: when nothing
        // else can make room, the sender waits for that write like under Wait.
        var count = _pending.Count;
        var bytes = _pendingBytes;
        for (var node = forward ? _pending.First : _pending.Last; node is not null && (count >= _options.MaxMessages || bytes + length > _options.MaxBytes); node = forward ? node.Next : node.Previous)
        {
            if (node.Value.Place == MessagePlace.Writing)
            {
                continue;
            }

            victims.Add(node.Value);
            count--;
            bytes -= node.Value.Length;
        }

        if (count >= _options.MaxMessages || bytes + length > _options.MaxBytes)
        {
            victims.Clear();
            return Overflow.Wait;
        }

        return Overflow.DropVictims;
    }

    /// <summary>Under the lock: drops what <see cref="DecideOverflow"/> chose, each failing with <see cref="DeliveryFailureReason.Dropped"/>.</summary>
    private void DropVictims(List<OutboundMessage> victims, ref Outcomes outcomes)
    {
        foreach (var victim in victims)
        {
            RemovePending(victim);
            outcomes.Drop(victim, DeliveryFailureReason.Dropped);
        }

        victims.Clear();
    }

    /// <summary>
    /// A message whose write failed (or a resend) goes back to its place in the order, ahead of anything sent after it.
    /// With <paramref name="attemptedHere"/> (a direct write that failed), it counts as written on the current socket, so a
    /// refusing close of that socket gives it its strike like any message the pump wrote.
    /// </summary>
    public void Requeue(OutboundMessage message, bool attemptedHere = false, bool mayHaveLeft = false)
    {
        var outcomes = new Outcomes();
        lock (_gate)
        {
            AssertInvariants();
            if (attemptedHere)
            {
                message.AttemptedOnSession = _session;
            }

            var interrupted = mayHaveLeft && message.Mode == DeliveryMode.AtMostOnce;
            if (_closedWith is { } closed)
            {
                outcomes.Fail(message, interrupted ? DeliveryFailureReason.Interrupted : closed);
            }
            else
            {
                message.WriteInterrupted = interrupted;
                InsertPending(message);
            }

            AssertInvariants();
        }

        Finish(outcomes);
        Signal();
    }

    /// <summary>
    /// Takes <paramref name="message"/> out of the queue (waiting, or in flight) and fails it with
    /// <see cref="DeliveryFailureReason.Cancelled"/>; a message being written goes out and completes as usual, one not in
    /// the queue is left alone.
    /// </summary>
    public void Cancel(OutboundMessage message) => RemoveOnTimerOrCancel(message, DeliveryFailureReason.Cancelled);

    /// <summary>Peeks the next message to write and marks it as being written; false when none may go now.</summary>
    public bool TryTakeNext([NotNullWhen(true)] out OutboundMessage? message)
    {
        lock (_gate)
        {
            AssertInvariants();
            message = _pending.First?.Value;
            if (message is null || _writing is not null || !_attached || message.WriteInterrupted
                || (message.Mode == DeliveryMode.AtLeastOnce && !_acks.HasRoom))
            {
                message = null;
                return false;
            }

            message.Place = MessagePlace.Writing;
            message.AttemptedOnSession = _session;
            if (message.Mode == DeliveryMode.AtLeastOnce)
            {
                message.WriteStarted = _time.GetTimestamp(); // its acknowledgement latency runs from here
            }

            _writing = message;
            return true;
        }
    }

    /// <summary>
    /// The write of <paramref name="message"/> failed: it stays at its place for the next session, except an at-most-once
    /// message whose bytes <paramref name="mayHaveLeft"/>: that one waits for the detach to learn how the session ended
    /// (see <see cref="Detach"/>), because writing it again could deliver it twice.
    /// </summary>
    public void WriteFailed(OutboundMessage message, bool mayHaveLeft)
    {
        var outcomes = new Outcomes();
        lock (_gate)
        {
            AssertInvariants();
            _writing = null;
            message.Place = MessagePlace.Pending;
            if (message.AckedWhileWriting)
            {
                // The server acknowledged it although the write did not return cleanly: it arrived.
                RemovePending(message);
                outcomes.Succeed(message);
            }
            else if (message.RejectedWhileWriting is not null || message.ExpiredWhileWriting || message.CancelledWhileWriting)
            {
                // An outcome was waiting for the write to end: the server's refusal, or the app's own decision.
                ResolveWhileWriting(message, ref outcomes);
            }
            else if (mayHaveLeft && message.Mode == DeliveryMode.AtMostOnce)
            {
                if (_closedWith is not null)
                {
                    RemovePending(message);
                    outcomes.Fail(message, DeliveryFailureReason.Interrupted); // it may have arrived; nothing writes it again
                }
                else
                {
                    message.WriteInterrupted = true; // not taken again; the detach settles it
                }
            }
            else if (_closedWith is { } closed)
            {
                RemovePending(message);
                outcomes.Fail(message, closed);
            }

            if (message.Place == MessagePlace.Pending && message.Node?.Next is { } next && next.Value.Sequence < message.Sequence)
            {
                // An older message came back for a resend while this one was on the wire (its ack was overdue): this one
                // goes back behind it, to its own place in the order (an interrupted one too: it must not hold it up).
                RemovePending(message);
                InsertPending(message);
            }

            AssertInvariants();
        }

        Finish(outcomes);
    }

    /// <summary>The write of <paramref name="message"/> succeeded: remove it; at-most-once completes, at-least-once waits for its acknowledgement.</summary>
    public void WriteSucceeded(OutboundMessage message)
    {
        var outcomes = new Outcomes();
        lock (_gate)
        {
            AssertInvariants();
            _writing = null;
            message.MarkWritten();
            RemovePending(message);
            if (message.RejectedWhileWriting is { } rejection)
            {
                outcomes.Reject(message, rejection);
            }
            else if (message.AckedWhileWriting || message.Mode != DeliveryMode.AtLeastOnce)
            {
                outcomes.Succeed(message);
            }
            else if (message.ExpiredWhileWriting)
            {
                outcomes.Fail(message, DeliveryFailureReason.Expired);
            }
            else if (message.CancelledWhileWriting)
            {
                // Written, but the app gave up on it before its acknowledgement, as if cancelled just after the write.
                outcomes.Fail(message, DeliveryFailureReason.Cancelled);
            }
            else
            {
                _acks.Add(message);
            }

            AssertInvariants();
        }

        Finish(outcomes);
    }

    /// <summary>The server acknowledged <paramref name="id"/>: completes the message; false when none waits for it.</summary>
    public bool Acknowledge(string id)
    {
        var outcomes = new Outcomes();
        lock (_gate)
        {
            if (_acks.Take(id) is { } message)
            {
                outcomes.Succeed(message);
            }
            else if (_writing is { } writing && string.Equals(writing.Id, id, StringComparison.Ordinal))
            {
                // The acknowledgement overtook the end of the write: WriteSucceeded completes it.
                writing.AckedWhileWriting = true;
                return true;
            }
            else if (FindPending(id) is { WasWritten: true } resend)
            {
                // Queued for a resend (its ack was overdue), and the first copy's ack arrives late: it was delivered.
                RemovePending(resend);
                outcomes.Succeed(resend);
            }
            else
            {
                return false;
            }

            AssertInvariants();
        }

        Finish(outcomes);
        Signal(); // the window may have room again
        return true;
    }

    /// <summary>The server refused <paramref name="id"/>: the message fails at once with the server's reason; false when none waits for it.</summary>
    public bool Reject(string id, ServerRejection rejection)
    {
        var outcomes = new Outcomes();
        lock (_gate)
        {
            if (_acks.Take(id) is { } inFlight)
            {
                outcomes.Reject(inFlight, rejection);
            }
            else if (_writing is { } writing && string.Equals(writing.Id, id, StringComparison.Ordinal))
            {
                writing.RejectedWhileWriting = rejection;
                return true;
            }
            else if (FindPending(id) is { } pending)
            {
                // A resend still queued: the server already refused the first copy.
                RemovePending(pending);
                outcomes.Reject(pending, rejection);
            }
            else
            {
                return false;
            }

            AssertInvariants();
        }

        Finish(outcomes);
        Signal();
        return true;
    }

    /// <summary>
    /// A socket is attached and about to flush: every unacknowledged message goes back into the pending list at its place
    /// in the order, so resends precede everything sent later; returns how many.
    /// </summary>
    public int Attach()
    {
        int count;
        lock (_gate)
        {
            AssertInvariants();
            _session++;
            _attached = true;
            var resend = _acks.TakeAll();
            count = resend.Count;
            InsertPendingInOrder(resend);
            AssertInvariants();
        }

        if (count > 0)
        {
            Log.ResendingUnacknowledged(_logger, count);
        }

        Signal();
        return count;
    }

    /// <summary>
    /// The socket went away: the acknowledgement clock stops; when the server closed with 1003, 1007 or 1009, the oldest
    /// message without an outcome that was written on that socket gets a strike, and fails with
    /// <see cref="DeliveryFailureReason.Rejected"/> on its second (one retry, then the messages behind it go out). An
    /// at-most-once message whose write was interrupted fails with <see cref="DeliveryFailureReason.Interrupted"/>, unless
    /// it is the one such a close refused (then the server did not take it, and it is tried once more).
    /// </summary>
    public void Detach(DisconnectInfo? ended)
    {
        var outcomes = new Outcomes();
        lock (_gate)
        {
            AssertInvariants();
            _attached = false;
            _acks.StopClock();
            if (ended is { ServerRefusedData: true, CloseStatus: { } status } && OldestAttempted(_session) is { } suspect)
            {
                suspect.RefusalStrikes++;
                Log.RefusedByClose(_logger, status, suspect.RefusalStrikes);
                if (suspect.RefusalStrikes >= 2)
                {
                    RemoveAnywhere(suspect);
                    outcomes.Reject(suspect, new ServerRejection(null, ended.CloseDescription) { CloseStatus = status });
                }
                else
                {
                    suspect.WriteInterrupted = false; // refused, so not taken: writing it again cannot deliver it twice
                }
            }

            FailInterruptedLocked(ref outcomes);
            AssertInvariants();
        }

        Finish(outcomes);
    }

    /// <summary>
    /// The socket is going away: nothing more is taken for writing (<see cref="TryTakeNext"/> returns false until the next
    /// <see cref="Attach"/>), so a message being written now (<see cref="IsWriting"/>) is the last one on that socket.
    /// </summary>
    public void StopTaking()
    {
        lock (_gate)
        {
            _attached = false;
        }
    }

    /// <summary>Whether a message taken by <see cref="TryTakeNext"/> is being written (its write has not returned).</summary>
    public bool IsWriting
    {
        get
        {
            lock (_gate)
            {
                return _writing is not null;
            }
        }
    }

    /// <summary>Waits until there may be something to write.</summary>
    public Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var head = _pending.First?.Value;
            if (head is not null && _writing is null && !head.WriteInterrupted && (head.Mode != DeliveryMode.AtLeastOnce || _acks.HasRoom))
            {
                return Task.CompletedTask;
            }

            _workSignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _workSignal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Fails everything pending and every sender waiting for room (not a message being written) with
    /// <paramref name="reason"/>; in flight too when <paramref name="inFlight"/> is set. Returns how many failed.
    /// </summary>
    public int FailAll(DeliveryFailureReason reason, bool inFlight)
    {
        var outcomes = new Outcomes();
        lock (_gate)
        {
            AssertInvariants();
            FailPendingLocked(reason, ref outcomes);
            if (inFlight)
            {
                foreach (var message in _acks.TakeAll())
                {
                    outcomes.Fail(message, reason);
                }
            }

            AssertInvariants();
        }

        return Finish(outcomes);
    }

    /// <summary>
    /// The connection closed: from now on every send fails at once with <paramref name="reason"/>, and so does everything
    /// pending (messages in flight stay until <see cref="FailAll"/> with <c>inFlight</c>: their acknowledgement may still come).
    /// </summary>
    public void Close(DeliveryFailureReason reason)
    {
        var outcomes = new Outcomes();
        lock (_gate)
        {
            AssertInvariants();
            _closedWith = reason;
            FailPendingLocked(reason, ref outcomes);
            AssertInvariants();
        }

        Finish(outcomes);
    }

    /// <summary>A new start: sends are accepted again.</summary>
    public void Reopen()
    {
        lock (_gate)
        {
            _closedWith = null;
        }
    }

    /// <summary>Whether nothing is pending, being written, waiting for room or in flight right now.</summary>
    public bool Drained
    {
        get
        {
            lock (_gate)
            {
                return IsDrained;
            }
        }
    }

    /// <summary>Completes when nothing is pending, being written, waiting for room or in flight.</summary>
    public Task WhenDrainedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (IsDrained)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task.WaitAsync(cancellationToken);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _acks.Dispose();
        }
    }

    private bool IsDrained => _pending.Count == 0 && _acks.Count == 0 && _waiting.Count == 0 && _writing is null;


    private bool IsFull(int length) => _pending.Count >= _options.MaxMessages || _pendingBytes + length > _options.MaxBytes;

    /// <summary>The oldest message without an outcome whose last write was attempted on <paramref name="session"/>.</summary>
    private OutboundMessage? OldestAttempted(long session)
    {
        OutboundMessage? oldest = null;
        foreach (var message in _pending)
        {
            if (message.AttemptedOnSession == session)
            {
                oldest = message;
                break; // the pending list is in send order
            }
        }

        foreach (var message in _acks.Messages)
        {
            if (message.AttemptedOnSession == session && (oldest is null || message.Sequence < oldest.Sequence))
            {
                oldest = message;
            }
        }

        return oldest;
    }

    private Admission? FindWaiting(OutboundMessage message)
    {
        foreach (var admission in _waiting)
        {
            if (admission.Message == message)
            {
                return admission;
            }
        }

        return null;
    }

    private OutboundMessage? FindPending(string id)
    {
        foreach (var message in _pending)
        {
            if (message.Place == MessagePlace.Pending && string.Equals(message.Id, id, StringComparison.Ordinal))
            {
                return message;
            }
        }

        return null;
    }

    private void Admit(OutboundMessage message, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        InsertPending(message);
        if (message.ExpiryTimer is null)
        {
            StartExpiry(message, timeToLive);
        }

        if (cancellationToken.CanBeCanceled)
        {
            message.Cancellation = cancellationToken.UnsafeRegister(static s => ((Removal)s!).Run(), new Removal(this, message, DeliveryFailureReason.Cancelled));
        }
    }

    /// <summary>Under the lock: the time to live starts when the send is called, whether the message is queued or waits for room.</summary>
    private void StartExpiry(OutboundMessage message, TimeSpan? timeToLive)
    {
        if (timeToLive is { } ttl)
        {
            message.ExpiryTimer = _time.CreateTimer(static s => ((Removal)s!).Run(), new Removal(this, message, DeliveryFailureReason.Expired), ttl, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Under the lock: inserts at the message's place in the send order (usually the end; near the front for resends).</summary>
    private void InsertPending(OutboundMessage message)
    {
        message.Place = MessagePlace.Pending;
        _pendingBytes += message.Length;
        var last = _pending.Last;
        if (last is null || last.Value.Sequence < message.Sequence)
        {
            message.Node = _pending.AddLast(message);
            return;
        }

        var node = _pending.First;
        while (node is not null && (node.Value.Sequence < message.Sequence || node.Value.Place == MessagePlace.Writing))
        {
            node = node.Next;
        }

        message.Node = node is null ? _pending.AddLast(message) : _pending.AddBefore(node, message);
    }

    /// <summary>
    /// Under the lock: merges messages sorted by sequence into the pending list in one pass (never ahead of the message
    /// being written, which stays the head until its write ends, like <see cref="InsertPending"/>).
    /// </summary>
    private void InsertPendingInOrder(List<OutboundMessage> sorted)
    {
        var node = _pending.First;
        foreach (var message in sorted)
        {
            while (node is not null && (node.Value.Sequence < message.Sequence || node.Value.Place == MessagePlace.Writing))
            {
                node = node.Next;
            }

            message.Place = MessagePlace.Pending;
            _pendingBytes += message.Length;
            message.Node = node is null ? _pending.AddLast(message) : _pending.AddBefore(node, message);
        }
    }

    private void RemovePending(OutboundMessage message)
    {
        _pending.Remove(message.Node!);
        message.Node = null;
        message.Place = MessagePlace.None;
        _pendingBytes -= message.Length;
    }

    /// <summary>Under the lock: takes a message out of wherever it is (not while it is being written); false if it is not in the queue.</summary>
    private bool RemoveAnywhere(OutboundMessage message)
    {
        switch (message.Place)
        {
            case MessagePlace.Pending:
                RemovePending(message);
                return true;
            case MessagePlace.InFlight:
                _acks.Remove(message);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Under the lock: at-most-once messages whose write was interrupted (at most one per session) fail.</summary>
    private void FailInterruptedLocked(ref Outcomes outcomes)
    {
        for (var node = _pending.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value is { WriteInterrupted: true, Place: MessagePlace.Pending } message)
            {
                RemovePending(message);
                outcomes.Fail(message, DeliveryFailureReason.Interrupted);
            }

            node = next;
        }
    }

    /// <summary>Under the lock: a message whose write ended (failed) while an outcome was waiting for it.</summary>
    private void ResolveWhileWriting(OutboundMessage message, ref Outcomes outcomes)
    {
        if (message.RejectedWhileWriting is { } rejection)
        {
            RemovePending(message);
            outcomes.Reject(message, rejection);
        }
        else if (message.ExpiredWhileWriting)
        {
            RemovePending(message);
            outcomes.Fail(message, DeliveryFailureReason.Expired);
        }
        else if (message.CancelledWhileWriting)
        {
            RemovePending(message);
            outcomes.Fail(message, DeliveryFailureReason.Cancelled);
        }
    }

    private void FailPendingLocked(DeliveryFailureReason reason, ref Outcomes outcomes)
    {
        for (var node = _pending.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Place != MessagePlace.Writing)
            {
                var message = node.Value;
                RemovePending(message);
                outcomes.Fail(message, reason);
            }

            node = next;
        }

        foreach (var admission in _waiting)
        {
            admission.Node = null;
            outcomes.Fail(admission.Message, reason);
            outcomes.Admitted(admission);
        }

        _waiting.Clear();
    }

    /// <summary>Sets the outcomes collected under the lock, admits senders waiting for room, wakes drain waiters; returns how many messages failed.</summary>
    private int Finish(Outcomes outcomes)
    {
        TaskCompletionSource? drained = null;
        var admitted = false;
        lock (_gate)
        {
            // Admit waiting senders in the order they called, while the policy lets the first of them in.
            while (_closedWith is null && _waiting.First is { } first)
            {
                var admission = first.Value;
                var decision = DecideOverflow(admission.Message.Length, behindWaiters: false, _victims);
                if (decision is not (Overflow.Admit or Overflow.DropVictims))
                {
                    break;
                }

                DropVictims(_victims, ref outcomes);
                _waiting.RemoveFirst();
                admission.Node = null;
                Admit(admission.Message, admission.TimeToLive, admission.CancellationToken);
                outcomes.Admitted(admission);
                admitted = true;
            }

            if (_drained is not null && IsDrained)
            {
                drained = _drained;
                _drained = null;
            }

            AssertInvariants();
        }

        var failed = outcomes.Apply(_logger, _errors, _telemetry);
        drained?.TrySetResult();

        if (admitted)
        {
            Signal();
        }

        return failed;
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

    private async ValueTask WaitForAdmissionAsync(Admission admission)
    {
        try
        {
            await admission.Done.Task.WaitAsync(admission.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            var outcomes = new Outcomes();
            lock (_gate)
            {
                if (admission.Node is { List: not null } node)
                {
                    _waiting.Remove(node);
                    admission.Node = null;
                    outcomes.Fail(admission.Message, DeliveryFailureReason.Cancelled);
                }
            }

            // Admitted meanwhile: its cancellation registration in the queue takes over.
            Finish(outcomes);
        }
    }

    private void OnAckTimer()
    {
        var outcomes = new Outcomes();
        var resent = false;
        lock (_gate)
        {
            AssertInvariants();
            if (!_attached)
            {
                return;
            }

            var overdue = _acks.TakeOverdue();
            if (OnAckTimeout == AckTimeoutAction.Resend)
            {
                InsertPendingInOrder(overdue);
                resent = overdue.Count > 0;
            }
            else
            {
                foreach (var message in overdue)
                {
                    outcomes.Fail(message, DeliveryFailureReason.AckTimeout);
                }
            }

            AssertInvariants();
        }

        Finish(outcomes);
        if (resent)
        {
            Signal();
        }
    }

    private void RemoveOnTimerOrCancel(OutboundMessage message, DeliveryFailureReason reason)
    {
        var outcomes = new Outcomes();
        lock (_gate)
        {
            if (message.Place == MessagePlace.Writing)
            {
                // The write under way is not cut short; its end decides (see WriteSucceeded and ResolveWhileWriting).
                if (reason == DeliveryFailureReason.Expired)
                {
                    message.ExpiredWhileWriting = true;
                }
                else
                {
                    message.CancelledWhileWriting = true;
                }

                return;
            }

            if (!RemoveAnywhere(message))
            {
                // Still waiting for room (the expiry of a waiting sender; its cancellation is handled where it waits).
                if (FindWaiting(message) is not { } admission)
                {
                    return;
                }

                _waiting.Remove(admission.Node!);
                admission.Node = null;
                outcomes.Admitted(admission);
            }

            outcomes.Fail(message, reason);
            AssertInvariants();
        }

        Finish(outcomes);
        Signal();
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "The queue's invariants are checked under its lock.");
        long bytes = 0;
        long previous = long.MinValue;
        var writing = 0;
        foreach (var message in _pending)
        {
            bytes += message.Length;
            Debug.Assert(message.Place is MessagePlace.Pending or MessagePlace.Writing, "A pending message is pending or being written.");
            Debug.Assert(message.Node?.List == _pending, "A pending message's node is in the pending list.");
            if (message.Place == MessagePlace.Writing)
            {
                // The head on the wire may be younger than a resend that came back after its write began.
                writing++;
                continue;
            }

            Debug.Assert(message.Sequence > previous, "The pending list is in send order (after the message being written).");
            previous = message.Sequence;
        }

        Debug.Assert(bytes == _pendingBytes, "The byte count matches the pending messages.");
        Debug.Assert(writing == (_writing is null ? 0 : 1), "Exactly the message being written is marked as such.");
        Debug.Assert(_writing is null || _writing == _pending.First?.Value, "Only the head is written.");
        Debug.Assert(_closedWith is null || _waiting.Count == 0, "Nobody waits for room in a closed queue.");
    }

    private enum Overflow
    {
        Admit,
        DropVictims,
        Refuse,
        Wait,
    }

    /// <summary>A sender waiting for room, with what it needs to be queued.</summary>
    private sealed class Admission(OutboundMessage message, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        public OutboundMessage Message { get; } = message;

        public TimeSpan? TimeToLive { get; } = timeToLive;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public LinkedListNode<Admission>? Node { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>An expiry timer's or a cancellation registration's state.</summary>
    private sealed class Removal(OutboundQueue queue, OutboundMessage message, DeliveryFailureReason reason)
    {
        public void Run() => queue.RemoveOnTimerOrCancel(message, reason);
    }

    /// <summary>
    /// Outcomes decided under the lock and set after it is released. A mutable struct whose lists are created on first use:
    /// a helper that adds to it must take it by <see langword="ref"/>, or what it adds is lost with its copy.
    /// </summary>
    private struct Outcomes
    {
        private List<(OutboundMessage Message, DeliveryFailureReason? Reason, ServerRejection? Rejection, bool Dropped)>? _messages;
        private List<Admission>? _admitted;

        public void Succeed(OutboundMessage message) => (_messages ??= []).Add((message, null, null, false));

        public void Fail(OutboundMessage message, DeliveryFailureReason reason) => (_messages ??= []).Add((message, reason, null, false));

        public void Drop(OutboundMessage message, DeliveryFailureReason reason) => (_messages ??= []).Add((message, reason, null, true));

        public void Reject(OutboundMessage message, ServerRejection rejection) => (_messages ??= []).Add((message, null, rejection, false));

        public void Admitted(Admission admission) => (_admitted ??= []).Add(admission);

        public readonly int Apply(ILogger logger, ErrorReporter errors, ConnectionTelemetry telemetry)
        {
            var failed = 0;
            foreach (var admission in _admitted ?? [])
            {
                admission.Done.TrySetResult();
            }

            foreach (var (message, reason, rejection, dropped) in _messages ?? [])
            {
                if (rejection is not null)
                {
                    failed += message.TryFail(rejection, telemetry) ? 1 : 0;
                }
                else if (reason is { } r)
                {
                    if (message.TryFail(r, telemetry))
                    {
                        failed++;
                        if (dropped)
                        {
                            Log.MessageDropped(logger, r);
                            errors.Report(ErrorKind.MessageDropped, $"An outbound message was dropped by the queue's overflow policy: {r}.", new MessageDeliveryException(r, message.Id));
                        }
                    }
                }
                else
                {
                    message.TrySucceed(telemetry);
                }
            }

            return failed;
        }
    }
}
