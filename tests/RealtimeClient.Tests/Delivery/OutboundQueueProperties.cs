using System.Net.WebSockets;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RealtimeClient.Outbound;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Delivery;

/// <summary>One step of a scenario: what the connection (or the server, or the app) does to the queue next.</summary>
public enum QueueStep
{
    /// <summary>A send: mode, size, time to live (seconds, 0 for none), cancellable.</summary>
    Send,

    /// <summary>The pump takes the next message and its write succeeds.</summary>
    Write,

    /// <summary>The pump takes the next message and its write fails (the socket died under it).</summary>
    WriteFails,

    /// <summary>The pump takes the next message and starts writing it; the write ends with a later step.</summary>
    BeginWrite,

    /// <summary>The write under way succeeds.</summary>
    EndWrite,

    /// <summary>The write under way fails.</summary>
    EndWriteFails,

    /// <summary>The server acknowledges a message's id (or an id nobody sent).</summary>
    Ack,

    /// <summary>The server refuses a message's id with a negative acknowledgement.</summary>
    Refuse,

    /// <summary>Time passes: time to live and ack timeouts fire.</summary>
    Advance,

    /// <summary>A socket is attached and flushes: unacknowledged messages go back into the order.</summary>
    Attach,

    /// <summary>The socket goes away (a write under way fails first).</summary>
    Detach,

    /// <summary>The server closes with 1009 right after what it was sent: the oldest message without an outcome gets a strike.</summary>
    DetachRefusing,

    /// <summary>The app cancels a send's token.</summary>
    Cancel,

    /// <summary>The app clears the queue.</summary>
    Clear,

    /// <summary>The connection closes for good (everything fails with ConnectionClosed), then starts again.</summary>
    CloseAndRestart,
}

public sealed record QueueOp(QueueStep Step, int A = 0, int B = 0, int C = 0, bool D = false)
{
    public override string ToString() => Step switch
    {
        QueueStep.Send => $"Send({(A == 1 ? "acked" : "at-most-once")}, {B} B{(C > 0 ? $", ttl {C} s" : string.Empty)}{(D ? ", cancellable" : string.Empty)})",
        QueueStep.Ack or QueueStep.Refuse or QueueStep.Cancel => $"{Step}(#{A})",
        QueueStep.Advance => $"Advance({A} s)",
        QueueStep.WriteFails or QueueStep.EndWriteFails => $"{Step}({(D ? "bytes may have left" : "nothing left")})",
        _ => Step.ToString(),
    };
}

public sealed record QueueScenario(int MaxMessages, int MaxBytes, QueueOverflow Overflow, int MaxInFlight, AckTimeoutAction OnAckTimeout, IReadOnlyList<QueueOp> Ops)
{
    public override string ToString() =>
        $"{Overflow}, {MaxMessages} messages / {MaxBytes} B, {MaxInFlight} in flight, ack timeout {OnAckTimeout}: {string.Join(", ", Ops)}";
}

public static class QueueScenarios
{
    public static Arbitrary<QueueScenario> Scenarios()
    {
        var send = from mode in Gen.Choose(0, 1)
                   from size in Gen.Choose(1, 6)
                   from ttl in Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Choose(1, 30)))
                   from cancellable in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
                   select new QueueOp(QueueStep.Send, mode, size, ttl, cancellable);
        var target = Gen.Choose(-1, 40);
        var op = Gen.Frequency(
            (8, send),
            (4, Gen.Constant(new QueueOp(QueueStep.Write))),
            (1, Gen.Elements(false, true).Select(left => new QueueOp(QueueStep.WriteFails, D: left))),
            (3, Gen.Constant(new QueueOp(QueueStep.BeginWrite))),
            (2, Gen.Constant(new QueueOp(QueueStep.EndWrite))),
            (1, Gen.Elements(false, true).Select(left => new QueueOp(QueueStep.EndWriteFails, D: left))),
            (4, target.Select(t => new QueueOp(QueueStep.Ack, t))),
            (1, target.Select(t => new QueueOp(QueueStep.Refuse, t))),
            (3, Gen.Choose(1, 15).Select(s => new QueueOp(QueueStep.Advance, s))),
            (2, Gen.Constant(new QueueOp(QueueStep.Attach))),
            (1, Gen.Constant(new QueueOp(QueueStep.Detach))),
            (1, Gen.Constant(new QueueOp(QueueStep.DetachRefusing))),
            (1, target.Select(t => new QueueOp(QueueStep.Cancel, t))),
            (1, Gen.Frequency((9, Gen.Constant(new QueueOp(QueueStep.Write))), (1, Gen.Constant(new QueueOp(QueueStep.Clear))))),
            (1, Gen.Frequency((9, Gen.Constant(new QueueOp(QueueStep.Attach))), (1, Gen.Constant(new QueueOp(QueueStep.CloseAndRestart))))));
        var scenario = from maxMessages in Gen.Choose(1, 4)
                       from maxBytes in Gen.Choose(3, 15)
                       from overflow in Gen.Elements(QueueOverflow.Wait, QueueOverflow.DropOldest, QueueOverflow.DropNewest, QueueOverflow.RejectNew)
                       from maxInFlight in Gen.Choose(1, 3)
                       from onAckTimeout in Gen.Elements(AckTimeoutAction.Resend, AckTimeoutAction.Fail)
                       from ops in Gen.ListOf(op)
                       select new QueueScenario(maxMessages, maxBytes, overflow, maxInFlight, onAckTimeout, [.. ops]);
        return Arb.From(scenario, Shrink);
    }

    private static IEnumerable<QueueScenario> Shrink(QueueScenario scenario)
    {
        var ops = scenario.Ops;
        for (var chunk = ops.Count / 2; chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= ops.Count; start += chunk)
            {
                yield return scenario with { Ops = [.. ops.Take(start), .. ops.Skip(start + chunk)] };
            }
        }
    }
}

/// <summary>
/// Property-based tests of <see cref="OutboundQueue"/> and its <see cref="AcknowledgementTracker"/>, driven directly
/// against a small model: any sequence of sends (modes, sizes, time to live, cancellable), writes that succeed or fail
/// (also with acks, refusals, expiry and cancels arriving during them), acks, refusals, ack timeouts, attaches, detaches
/// (with or without a refusing close), overflow, expiry, cancels, clears and closes leaves every message with exactly one
/// outcome, an outcome its history allows, and the writes in the order of the sends (resends included).
/// </summary>
public sealed class OutboundQueueProperties
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);

    [Property(MaxTest = 400, Arbitrary = [typeof(QueueScenarios)])]
    public void Every_message_ends_with_exactly_one_allowed_outcome_and_writes_keep_the_send_order(QueueScenario scenario) =>
        new Run(scenario).Execute();

    /// <summary>One message and what happened to it, by step number.</summary>
    private sealed class Tracked(int index, OutboundMessage message, QueueOp send, int step, DateTimeOffset sentAt, CancellationTokenSource? cancel)
    {
        public int Index { get; } = index;

        public OutboundMessage Message { get; } = message;

        public QueueOp Send { get; } = send;

        public DeliveryMode Mode => Message.Mode;

        public TimeSpan? TimeToLive => Send.C > 0 ? TimeSpan.FromSeconds(Send.C) : null;

        public int SentAt { get; } = step;

        public DateTimeOffset SentTime { get; } = sentAt;

        public CancellationTokenSource? Cancel { get; } = cancel;

        public Task Outcome { get; } = message.AsValueTask().AsTask();

        public Task Admission { get; set; } = Task.CompletedTask;

        public int? CompletedAt { get; set; }

        public DateTimeOffset CompletedTime { get; set; }

        public int? WrittenAt { get; set; }

        public int? AckedAt { get; set; }

        public int? RefusedAt { get; set; }

        public int? CancelledAt { get; set; }

        public int? ClosedAt { get; set; }

        public HashSet<long> AttemptedOn { get; } = [];

        /// <summary>When its last write succeeded (the start of its ack timeout).</summary>
        public DateTimeOffset LastWriteTime { get; set; }

        public bool AckedWhileWriting { get; set; }

        public bool RefusedWhileWriting { get; set; }

        public bool CancelledWhileWriting { get; set; }

        public MessagePlace PlaceBefore { get; set; }

        /// <summary>The step at which the model says it must have its outcome, and the outcomes it allows (null: success).</summary>
        public (int Step, DeliveryFailureReason?[] Allowed)? Expected { get; private set; }

        public DateTimeOffset? Deadline => TimeToLive is { } ttl ? SentTime + ttl : null;

        public void Expect(int step, params DeliveryFailureReason?[] allowed) => Expected ??= (step, allowed);

        public int RefusingCloses { get; set; }

        /// <summary>The step of its last at-most-once write that failed after bytes may have left (null: none since a refusing close).</summary>
        public int? InterruptedAt { get; set; }

        public override string ToString() => $"#{Index} ({Send}, seq {Message.Sequence})";
    }

    private sealed class Run(QueueScenario scenario)
    {
        private readonly VirtualClock _clock = new();
        private readonly List<Tracked> _messages = [];
        private readonly List<long> _firstWrites = [];
        private OutboundQueue _queue = null!;
        private Tracked? _writing;
        private bool _attached;
        private long _session;
        private int _step;

        public void Execute()
        {
            var options = new QueueOptions { MaxMessages = scenario.MaxMessages, MaxBytes = scenario.MaxBytes, Overflow = scenario.Overflow };
            var acks = new AcknowledgementOptions { AckTimeout = AckTimeout, MaxInFlight = scenario.MaxInFlight, OnAckTimeout = scenario.OnAckTimeout };
            using (_queue = OutboundQueueTests.NewQueue(options, acks, _clock))
            {
                foreach (var op in scenario.Ops)
                {
                    _step++;
                    foreach (var message in _messages)
                    {
                        message.PlaceBefore = message.Message.Place;
                    }

                    Apply(op);
                    Check(op);
                }

                // The end of the story: the connection closes for good. Everything must have its outcome now.
                _step++;
                CloseAndRestart();
                Check(new QueueOp(QueueStep.CloseAndRestart));
                var unfinished = _messages.Where(m => !m.Message.IsCompleted).ToList();
                Assert.True(unfinished.Count == 0, $"Without an outcome after the close: {string.Join(", ", unfinished)}");
                Assert.True(Task.WhenAll(_messages.Select(m => m.Outcome.ContinueWith(_ => { }, TaskScheduler.Default))).Wait(Wait.Timeout));
                Assert.True(Task.WhenAll(_messages.Select(m => m.Admission.ContinueWith(_ => { }, TaskScheduler.Default))).Wait(Wait.Timeout));
                foreach (var message in _messages)
                {
                    CheckOutcomeAllowed(message);
                }

                Assert.Equal(_firstWrites.Order(), _firstWrites);
            }
        }

        private DateTimeOffset Now => _clock.GetUtcNow();

        private Tracked? Target(int index) => index < 0 || _messages.Count == 0 ? null : _messages[index % _messages.Count];

        private void Apply(QueueOp op)
        {
            switch (op.Step)
            {
                case QueueStep.Send:
                    Send(op);
                    break;
                case QueueStep.Write:
                    if (_writing is null && Take() is { } written)
                    {
                        EndWrite(written, success: true);
                    }

                    break;
                case QueueStep.WriteFails:
                    if (_writing is null && Take() is { } failed)
                    {
                        EndWrite(failed, success: false, mayHaveLeft: op.D);
                    }

                    break;
                case QueueStep.BeginWrite:
                    if (_writing is null)
                    {
                        _writing = Take();
                    }

                    break;
                case QueueStep.EndWrite or QueueStep.EndWriteFails:
                    if (_writing is { } writing)
                    {
                        EndWrite(writing, success: op.Step == QueueStep.EndWrite, mayHaveLeft: op.D);
                    }

                    break;
                case QueueStep.Ack:
                    Ack(op.A);
                    break;
                case QueueStep.Refuse:
                    Refuse(op.A);
                    break;
                case QueueStep.Advance:
                    _clock.Advance(TimeSpan.FromSeconds(op.A));
                    break;
                case QueueStep.Attach:
                    if (!_attached)
                    {
                        _attached = true;
                        _session++;
                        _queue.Attach();
                    }

                    break;
                case QueueStep.Detach or QueueStep.DetachRefusing:
                    Detach(refusing: op.Step == QueueStep.DetachRefusing);
                    break;
                case QueueStep.Cancel:
                    if (Target(op.A) is { Cancel: { } cancel } cancelled)
                    {
                        cancelled.CancelledAt ??= _step;
                        var waiting = !cancelled.Message.IsCompleted && cancelled.Message.Place == MessagePlace.None;
                        if (!cancelled.Message.IsCompleted && cancelled.Message.Place != MessagePlace.Writing)
                        {
                            cancelled.Expect(_step, DeliveryFailureReason.Cancelled);
                        }
                        else if (cancelled.Message.Place == MessagePlace.Writing)
                        {
                            cancelled.CancelledWhileWriting = true;
                        }

                        cancel.Cancel();
                        if (waiting)
                        {
                            // A sender waiting for room learns of its cancellation on its own continuation.
                            Assert.True(cancelled.Outcome.ContinueWith(_ => { }, TaskScheduler.Default).Wait(Wait.Timeout), $"{cancelled} waiting for room was not cancelled");
                        }
                    }

                    break;
                case QueueStep.Clear:
                    foreach (var message in _messages.Where(m => !m.Message.IsCompleted && m.Message.Place != MessagePlace.Writing))
                    {
                        message.CancelledAt ??= _step;
                        message.Expect(_step, DeliveryFailureReason.Cancelled);
                    }

                    _queue.FailAll(DeliveryFailureReason.Cancelled, inFlight: true);
                    break;
                case QueueStep.CloseAndRestart:
                    CloseAndRestart();
                    break;
            }
        }

        private void Send(QueueOp op)
        {
            var index = _messages.Count;
            var mode = op.A == 1 ? DeliveryMode.AtLeastOnce : DeliveryMode.AtMostOnce;
            var message = OutboundQueueTests.Message(_queue, mode, "m" + index, op.B);
            var cancel = op.D ? new CancellationTokenSource() : null;
            var tracked = new Tracked(index, message, op, _step, Now, cancel);
            _messages.Add(tracked);
            tracked.Admission = _queue.EnqueueAsync(message, tracked.TimeToLive, cancel?.Token ?? CancellationToken.None).AsTask();
        }

        private Tracked? Take()
        {
            var pending = _messages.Where(m => m.Message.Place == MessagePlace.Pending).OrderBy(m => m.Message.Sequence).ToList();
            var inFlight = _queue.InFlightCount;
            var taken = _queue.TryTakeNext(out var message);
            if (!taken)
            {
                var head = pending.FirstOrDefault();
                var mayWait = !_attached || head is null || head.InterruptedAt is not null || (head.Mode == DeliveryMode.AtLeastOnce && _queue.InFlightCount >= scenario.MaxInFlight);
                Assert.True(mayWait, $"Nothing was taken although {head} could go (attached, nothing being written, {_queue.InFlightCount} in flight).");
                return null;
            }

            Assert.True(_attached, "A message was taken for writing while no socket was attached.");
            Assert.False(message!.IsCompleted, "A message with an outcome was taken for writing.");
            var tracked = _messages.Single(m => m.Message == message);
            Assert.True(pending.Count > 0 && pending[0] == tracked, $"Took {tracked} instead of the oldest pending message {pending.FirstOrDefault()}.");
            Assert.False(tracked.Mode == DeliveryMode.AtLeastOnce && inFlight >= scenario.MaxInFlight, $"Took {tracked} with the in-flight window full ({inFlight}).");
            if (tracked.AttemptedOn.Count == 0 && tracked.WrittenAt is null)
            {
                _firstWrites.Add(message.Sequence);
            }

            Assert.True(tracked.InterruptedAt is null, $"{tracked} was taken for writing again after its at-most-once write was interrupted at step {tracked.InterruptedAt} (it could arrive twice).");
            tracked.AttemptedOn.Add(_session);
            return tracked;
        }

        private void EndWrite(Tracked message, bool success, bool mayHaveLeft = false)
        {
            _writing = null;
            var expired = message.Deadline <= Now;
            var interrupted = !success && mayHaveLeft && message.Mode == DeliveryMode.AtMostOnce;
            if (interrupted && !message.RefusedWhileWriting && !message.AckedWhileWriting && !expired && !message.CancelledWhileWriting && message.ClosedAt is not null)
            {
                message.Expect(_step, DeliveryFailureReason.Interrupted); // nothing writes it again: it may have arrived
            }
            else if (message.RefusedWhileWriting && message.AckedWhileWriting)
            {
                message.Expect(_step, null, DeliveryFailureReason.Rejected, DeliveryFailureReason.ConnectionClosed);
            }
            else if (message.RefusedWhileWriting)
            {
                message.Expect(_step, DeliveryFailureReason.Rejected, DeliveryFailureReason.ConnectionClosed);
            }
            else if (message.AckedWhileWriting)
            {
                message.Expect(_step, [null]);
            }
            else if (success && message.Mode == DeliveryMode.AtMostOnce)
            {
                message.Expect(_step, [null]);
            }
            else if (expired)
            {
                message.Expect(_step, DeliveryFailureReason.Expired, DeliveryFailureReason.ConnectionClosed);
            }
            else if (message.CancelledWhileWriting)
            {
                message.Expect(_step, DeliveryFailureReason.Cancelled, DeliveryFailureReason.ConnectionClosed);
            }

            if (success)
            {
                message.WrittenAt ??= _step;
                message.LastWriteTime = Now;
                _queue.WriteSucceeded(message.Message);
            }
            else
            {
                if (mayHaveLeft && message.Mode == DeliveryMode.AtMostOnce)
                {
                    message.InterruptedAt = _step;
                }

                _queue.WriteFailed(message.Message, mayHaveLeft);
            }
        }

        private void Ack(int target)
        {
            var message = Target(target);
            if (message?.Message.Place is MessagePlace.Writing or MessagePlace.InFlight)
            {
                message.AckedAt ??= _step;
            }

            if (message?.Message.Place == MessagePlace.InFlight || (message?.Message.Place == MessagePlace.Pending && message.WrittenAt is not null))
            {
                message.AckedAt ??= _step;
                message.Expect(_step, [null]);
            }
            else if (message?.Message.Place == MessagePlace.Writing)
            {
                message.AckedWhileWriting = true;
            }

            _queue.Acknowledge(message?.Message.Id ?? "nobody");
        }

        private void Refuse(int target)
        {
            var message = Target(target);
            if (message?.Message.Place is MessagePlace.Writing or MessagePlace.InFlight or MessagePlace.Pending)
            {
                message.RefusedAt ??= _step;
            }

            if (message?.Message.Place is MessagePlace.InFlight or MessagePlace.Pending)
            {
                message.Expect(_step, DeliveryFailureReason.Rejected);
            }
            else if (message?.Message.Place == MessagePlace.Writing)
            {
                message.RefusedWhileWriting = true;
            }

            _queue.Reject(message?.Message.Id ?? "nobody", new ServerRejection("403", "refused") { Type = "error" });
        }

        private void Detach(bool refusing)
        {
            if (!_attached)
            {
                return;
            }

            if (_writing is { } writing)
            {
                EndWrite(writing, success: false, mayHaveLeft: true); // aborted under the write
            }

            _attached = false;
            if (refusing)
            {
                foreach (var message in _messages.Where(m => !m.Message.IsCompleted && m.AttemptedOn.Contains(_session)))
                {
                    message.RefusingCloses++;
                }

                // The close refused the oldest message without an outcome written on this socket: the server did not take
                // it, so even an interrupted at-most-once write of it may be tried again.
                var refused = _messages.Where(m => !m.Message.IsCompleted && m.AttemptedOn.Contains(_session)).MinBy(m => m.Message.Sequence);
                if (refused is not null)
                {
                    refused.InterruptedAt = null;
                }
            }

            _queue.Detach(refusing
                ? new DisconnectInfo(DisconnectKind.ServerClosed) { CloseStatus = WebSocketCloseStatus.MessageTooBig }
                : new DisconnectInfo(DisconnectKind.ConnectionLost));
        }

        private void CloseAndRestart()
        {
            // As a run ends: sends refused from now on, the socket detached once its write settled, what is in flight failed.
            foreach (var message in _messages.Where(m => !m.Message.IsCompleted))
            {
                message.ClosedAt ??= _step;
                if (message.Message.Place != MessagePlace.Writing)
                {
                    message.Expect(_step, DeliveryFailureReason.ConnectionClosed);
                }
            }

            _queue.Close(DeliveryFailureReason.ConnectionClosed);
            Detach(refusing: false);
            _queue.FailAll(DeliveryFailureReason.ConnectionClosed, inFlight: true);
            _queue.Reopen();
        }

        private void Check(QueueOp op)
        {
            var context = $"after step {_step} ({op})";
            foreach (var message in _messages)
            {
                if (message.Message.IsCompleted)
                {
                    if (message.CompletedAt is null)
                    {
                        message.CompletedAt = _step;
                        message.CompletedTime = Now;
                    }
                    Assert.True(message.Message.Place == MessagePlace.None, $"{message} has an outcome but is still in the queue ({message.Message.Place}) {context}.");
                }
            }

            foreach (var message in _messages.Where(m => !m.Message.IsCompleted))
            {
                var place = message.Message.Place;

                // The model's predictions: an outcome due at this step.
                Assert.False(message.Expected is { } expected && expected.Step <= _step, $"{message} has no outcome {context}, although it was due.");

                // A time to live that ran out leaves only a message on the wire.
                Assert.False(message.Deadline <= Now && place != MessagePlace.Writing, $"{message} outlived its time to live {context} ({place}).");

                // An overdue acknowledgement is acted on while a socket is attached, and only then.
                Assert.False(_attached && place == MessagePlace.InFlight && message.LastWriteTime + AckTimeout <= Now, $"{message} is overdue but still in flight {context}.");
                if (message.PlaceBefore == MessagePlace.InFlight && place == MessagePlace.Pending)
                {
                    var timedOut = _attached && op.Step == QueueStep.Advance && message.LastWriteTime + AckTimeout <= Now;
                    Assert.True(op.Step == QueueStep.Attach || timedOut, $"{message} left the in-flight window for the queue {context} without a new socket or an ack timeout.");
                }
            }

            var queued = _messages.Where(m => m.Message.Place is MessagePlace.Pending or MessagePlace.Writing).ToList();
            Assert.Equal(queued.Count, _queue.PendingCount);
            Assert.Equal(queued.Sum(m => (long)m.Message.Length), _queue.PendingBytes);
            Assert.Equal(_messages.Count(m => m.Message.Place == MessagePlace.InFlight), _queue.InFlightCount);
            Assert.Equal(_writing is null ? 0 : 1, _messages.Count(m => m.Message.Place == MessagePlace.Writing));
            Assert.True(_writing is null || _writing.Message.Place == MessagePlace.Writing, $"{_writing} is no longer being written {context}.");

            // A sender waits for room only when its policy leaves it no choice.
            if (_messages.Where(m => !m.Message.IsCompleted && m.Message.Place == MessagePlace.None).OrderBy(m => m.Index).FirstOrDefault() is { } waiter)
            {
                var length = waiter.Message.Length;
                var full = queued.Count >= scenario.MaxMessages || queued.Sum(m => m.Message.Length) + length > scenario.MaxBytes;
                var writingLength = queued.Where(m => m.Message.Place == MessagePlace.Writing).Sum(m => m.Message.Length);
                var fullWithOnlyTheWrite = (writingLength > 0 ? 1 : 0) >= scenario.MaxMessages || writingLength + length > scenario.MaxBytes;
                var mustWait = scenario.Overflow switch
                {
                    QueueOverflow.Wait => full,
                    QueueOverflow.DropOldest or QueueOverflow.DropNewest => full && fullWithOnlyTheWrite,
                    _ => false,
                };
                Assert.True(mustWait, $"{waiter} waits for room {context} although {scenario.Overflow} would let it in ({queued.Count} queued).");
            }
        }

        private void CheckOutcomeAllowed(Tracked message)
        {
            var completed = message.CompletedAt!.Value;
            bool Before(int? step) => step is { } s && s <= completed;
            var exception = message.Outcome.Exception?.InnerException;
            var reason = exception is MessageDeliveryException delivery ? delivery.Reason : (DeliveryFailureReason?)null;
            if (message.Expected is { } expected)
            {
                Assert.True(completed == expected.Step, $"{message} was due to end at step {expected.Step} but ended at {completed}.");
                Assert.True(expected.Allowed.Contains(reason), $"{message} ended with {(object?)reason ?? "success"}; the model expected {string.Join(" or ", expected.Allowed.Select(a => (object?)a ?? "success"))}.");
            }

            if (exception is null)
            {
                var delivered = message.Mode == DeliveryMode.AtLeastOnce
                    ? Before(message.AckedAt)
                    : Before(message.WrittenAt) || Before(message.AckedAt);
                Assert.True(delivered, $"{message} succeeded without being {(message.Mode == DeliveryMode.AtLeastOnce ? "acknowledged" : "written")}.");
                return;
            }

            var failure = Assert.IsType<MessageDeliveryException>(exception);
            var allowed = failure.Reason switch
            {
                DeliveryFailureReason.Dropped => scenario.Overflow is QueueOverflow.DropOldest or QueueOverflow.DropNewest,
                DeliveryFailureReason.QueueFull => scenario.Overflow == QueueOverflow.RejectNew && completed == message.SentAt,
                DeliveryFailureReason.TooLarge => message.Message.Length > scenario.MaxBytes && completed == message.SentAt,
                DeliveryFailureReason.Expired => message.TimeToLive is { } ttl && message.SentTime + ttl <= message.CompletedTime,
                DeliveryFailureReason.Cancelled => Before(message.CancelledAt),
                DeliveryFailureReason.Interrupted => message.Mode == DeliveryMode.AtMostOnce && Before(message.InterruptedAt),
                DeliveryFailureReason.ConnectionClosed => Before(message.ClosedAt),
                DeliveryFailureReason.AckTimeout => scenario.OnAckTimeout == AckTimeoutAction.Fail && message.Mode == DeliveryMode.AtLeastOnce && Before(message.WrittenAt)
                    && message.CompletedTime >= message.LastWriteTime + AckTimeout,
                DeliveryFailureReason.Rejected => failure.Rejection?.CloseStatus is null ? Before(message.RefusedAt) : message.RefusingCloses >= 2,
                _ => false,
            };
            Assert.True(allowed, $"{message} failed with {failure.Reason}, which its history does not allow (completed at step {completed}).");
        }
    }
}
