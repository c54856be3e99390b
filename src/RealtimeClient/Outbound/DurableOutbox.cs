using Microsoft.Extensions.Logging;
using RealtimeClient.Buffers;
using RealtimeClient.Diagnostics;
using RealtimeClient.Outbox;
using RealtimeClient.Streams;

namespace RealtimeClient.Outbound;

/// <summary>
/// Durable sends on top of the outbound queue: a durable message is appended to the <see cref="IOutboxStore"/> before its
/// send is accepted, and removed from it once it reached its final outcome. At every start, what is still held (left by
/// an earlier run of the app, or by a stop of this one) is queued first, in its original order, with the same ids; its
/// outcome is published on <see cref="Recovered"/>. A message that fails only because the connection stopped stays held.
/// </summary>
internal sealed class DurableOutbox : IAsyncDisposable
{
    private readonly IOutboxStore _store;
    private readonly OutboundChannel _outbound;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ErrorReporter _errors;
    private readonly ConnectionTelemetry _telemetry;
    private readonly EventStream<DeliveryReport> _recovered;
    private readonly Lock _gate = new();

    // What the next start sends first, each with its place in the original order (sorted when taken).
    private readonly List<(long Order, OutboxEntry Entry)> _held = [];

    // Messages the outbox queued whose outcome is not handled yet (held again, or recorded in the store).
    private readonly Dictionary<OutboundMessage, Task> _tracking = [];
    private Task? _opening;
    private Task _lastAdmission = Task.CompletedTask; // under _gate: the admission of the durable send called last

    // Held messages go before anything sent in the run they are queued in: their sequence numbers are below every new one.
    private long _heldSequence = long.MinValue / 2;

    public DurableOutbox(IOutboxStore store, OutboundChannel outbound, TimeProvider time, ILogger logger, ErrorReporter errors, ConnectionTelemetry? telemetry = null)
    {
        _telemetry = telemetry ?? ConnectionTelemetry.None;
        _store = store;
        _outbound = outbound;
        _time = time;
        _logger = logger;
        _errors = errors;
        _recovered = new EventStream<DeliveryReport>("RecoveredDeliveries", errors.ObserverFailed);
    }

    public IObservable<DeliveryReport> Recovered => _recovered;

    /// <summary>At the start of a run: opens the store the first time, then queues every held message ahead of everything else.</summary>
    /// <exception cref="OutboxStoreException">The store cannot be opened.</exception>
    public async Task StartRunAsync(CancellationToken cancellationToken)
    {
        await OpenAsync(cancellationToken).ConfigureAwait(false);

        // The messages the last run failed when it ended are handed back by their trackers, which run after the run has
        // closed: wait for those that already have their outcome, so that every one of them goes out in this run.
        Task[] settling;
        lock (_gate)
        {
            settling = [.. _tracking.Where(t => t.Key.IsCompleted).Select(t => t.Value)];
        }

        await Task.WhenAll(settling).WaitAsync(cancellationToken).ConfigureAwait(false);
        List<OutboxEntry> held;
        lock (_gate)
        {
            _held.Sort(static (a, b) => a.Order.CompareTo(b.Order));
            held = [.. _held.Select(h => h.Entry)];
            _held.Clear();
        }

        if (held.Count > 0)
        {
            Log.OutboxRecovered(_logger, held.Count);
        }

        foreach (var entry in held)
        {
            var message = new OutboundMessage(Interlocked.Increment(ref _heldSequence), RentedBuffer.CopyOf(entry.Payload.Span), entry.Kind, DeliveryMode.AtLeastOnce, entry.Id);
            _ = ReportAsync(entry, TrackAsync(entry, message, _outbound.SendAsync(message, null, CancellationToken.None)));
        }
    }

    /// <summary>Makes the message durable, then sends it acknowledged; completes with its outcome.</summary>
    public async ValueTask SendAsync(RentedBuffer bytes, MessageKind kind, SendOptions options, string id, CancellationToken cancellationToken)
    {
        var outcome = await EnqueueAsync(bytes, kind, options, id, cancellationToken).ConfigureAwait(false);
        await outcome.ConfigureAwait(false);
    }

    /// <summary>
    /// Makes the message durable and queues it; completes once both are done (the message is accepted: it survives a
    /// crash from now on), with its outcome as a task.
    /// </summary>
    public async ValueTask<Task> EnqueueAsync(RentedBuffer bytes, MessageKind kind, SendOptions options, string id, CancellationToken cancellationToken)
    {
        // Appends may complete in any order (concurrent ones share a commit), but the queue admits durable messages in the
        // order of the calls: each waits until the one called before it was admitted (or failed).
        var admitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_gate)
        {
            previous = _lastAdmission;
            _lastAdmission = admitted.Task;
        }

        try
        {
            OutboxEntry entry;
            OutboundMessage message;
            Task? append = null;
            try
            {
                await OpenAsync(cancellationToken).ConfigureAwait(false);
                entry = new OutboxEntry(id, kind, bytes.Span.ToArray(), _time.GetUtcNow());

                // The store is not asked to abandon the write (it might still commit it, unknown to us): the caller stops
                // waiting, and a write that went through is then recorded as failed (ForgetAsync).
                append = _store.AppendAsync(entry, CancellationToken.None).AsTask();
                await append.WaitAsync(cancellationToken).ConfigureAwait(false);
                await previous.WaitAsync(cancellationToken).ConfigureAwait(false);
                message = new OutboundMessage(_outbound.Queue.NextSequence(), bytes, kind, DeliveryMode.AtLeastOnce, id);
            }
            catch (OutboxStoreException ex)
            {
                bytes.Return();
                Log.OutboxFailed(_logger, "append", ex);
                _telemetry.MessageFailed(DeliveryFailureReason.OutboxFailed);
                throw new MessageDeliveryException(DeliveryFailureReason.OutboxFailed, id, ex);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                bytes.Return();
                if (append is not null)
                {
                    _ = ForgetAsync(append, id);
                }

                _telemetry.MessageFailed(DeliveryFailureReason.Cancelled);
                throw new MessageDeliveryException(DeliveryFailureReason.Cancelled, id);
            }

            var outcome = await _outbound.EnqueueAsync(message, options.TimeToLive, cancellationToken).ConfigureAwait(false);
            return TrackAsync(entry, message, new ValueTask(outcome));
        }
        finally
        {
            admitted.SetResult();
        }
    }

    public ValueTask DisposeAsync()
    {
        _recovered.Complete();
        return _store.DisposeAsync();
    }

    /// <summary>
    /// Opens the store once (later calls share the first; a failed open is tried again); what it holds is kept for the next
    /// start. The open itself is not cancelled by a caller that stops waiting, since others may share it.
    /// </summary>
    private Task OpenAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_opening is null || _opening.IsFaulted || _opening.IsCanceled)
            {
                _opening = OpenCoreAsync();
            }

            return _opening.WaitAsync(cancellationToken);
        }
    }

    private async Task OpenCoreAsync()
    {
        var pending = await _store.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        lock (_gate)
        {
            // Older than everything else: they were appended by an earlier run of the app.
            foreach (var entry in pending)
            {
                _held.Add((Interlocked.Increment(ref _heldSequence), entry));
            }
        }
    }

    /// <summary>A send was cancelled while its append was under way: once the append is done, the message is recorded as failed, so no later run sends it.</summary>
    private async Task ForgetAsync(Task append, string id)
    {
        await append.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (append.IsCompletedSuccessfully)
        {
            await CompleteAsync(id, OutboxOutcome.Failed).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the outcome and records it in the store; a stop keeps the message held for the next start.</summary>
    private async Task TrackAsync(OutboxEntry entry, OutboundMessage message, ValueTask outcome)
    {
        // Registered before the first await (so before the outcome can be handled): a start waits for it once settling.
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _tracking.Add(message, settled.Task);
        }

        try
        {
            await outcome.ConfigureAwait(false);
        }
        catch (MessageDeliveryException ex) when (ex.Reason == DeliveryFailureReason.ConnectionClosed)
        {
            lock (_gate)
            {
                _held.Add((message.Sequence, entry));
            }

            throw;
        }
        catch (MessageDeliveryException)
        {
            await CompleteAsync(message.Id!, OutboxOutcome.Failed).ConfigureAwait(false);
            throw;
        }
        finally
        {
            lock (_gate)
            {
                _tracking.Remove(message);
            }

            settled.SetResult();
        }

        await CompleteAsync(message.Id!, OutboxOutcome.Acknowledged).ConfigureAwait(false);
    }

    private async Task CompleteAsync(string id, OutboxOutcome outcome)
    {
        try
        {
            await _store.CompleteAsync(id, outcome, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OutboxStoreException ex)
        {
            Log.OutboxFailed(_logger, "complete", ex);
            _errors.Report(ErrorKind.OutboxFailed, $"The outbox could not record the outcome of message '{id}'; it may be sent again after a restart (the server de-duplicates it).", ex);
        }
    }

    private async Task ReportAsync(OutboxEntry entry, Task outcome)
    {
        MessageDeliveryException? failure = null;
        try
        {
            await outcome.ConfigureAwait(false);
        }
        catch (MessageDeliveryException ex) when (ex.Reason == DeliveryFailureReason.ConnectionClosed)
        {
            return; // not an outcome: the run ended first, the message is held again and reported when it has one
        }
        catch (MessageDeliveryException ex)
        {
            failure = ex;
        }

        _recovered.Publish(new DeliveryReport(entry, failure));
    }
}
