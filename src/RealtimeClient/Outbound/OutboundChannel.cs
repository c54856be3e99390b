using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using RealtimeClient.Buffers;
using RealtimeClient.Diagnostics;
using RealtimeClient.Transport;

namespace RealtimeClient.Outbound;

/// <summary>
/// The outbound side that outlives sockets: it owns the write lock, the pump that flushes the queue, and the direct-write
/// fast path, and a socket session is attached to it per connection (as NATS's command writer is reset with a new socket).
/// Order: a message is either written or in the queue before the next send starts, because both paths hold the write lock
/// while they check the queue and write.
/// </summary>
internal sealed class OutboundChannel : IDisposable
{
    private readonly OutboundQueue _queue;
    private readonly TimeProvider _time;
    private readonly ConnectionTelemetry _telemetry;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _gate = new();
    private SocketSession? _session;
    private bool _flushing;
    private bool _writingData; // under _gate: a direct write (a message on the fast path, a ping, the hook's) is under way
    private Task _pump = Task.CompletedTask;
    private CancellationTokenSource? _pumpCts;

    public OutboundChannel(OutboundQueue queue, TimeProvider time, ConnectionTelemetry? telemetry = null)
    {
        _queue = queue;
        _time = time;
        _telemetry = telemetry ?? ConnectionTelemetry.None;
    }

    /// <summary>The queue this channel flushes.</summary>
    public OutboundQueue Queue => _queue;

    /// <summary>The lock every write to the attached socket holds, close frames included.</summary>
    public SemaphoreSlim WriteLock => _writeLock;

    /// <summary>A new socket: the on-connected hook may write through <see cref="WriteNowAsync"/>; nothing queued goes out yet.</summary>
    public void Attach(SocketSession session)
    {
        lock (_gate)
        {
            _session = session;
            _flushing = false;
        }
    }

    /// <summary>After the hook: unacknowledged messages go back into the order, the pump starts, the fast path opens.</summary>
    public void StartFlushing(SocketSession session)
    {
        lock (_gate)
        {
            if (_session != session)
            {
                return;
            }

            _queue.Attach();
            _pumpCts = new CancellationTokenSource();
            _pump = Task.Run(() => PumpAsync(session, _pumpCts.Token));
            _flushing = true;
        }
    }

    /// <summary>
    /// The socket is going away: the fast path closes, the pump stops, a write under way gets <paramref name="grace"/> to
    /// finish before the socket is aborted under it (the session's own close frame is neither aborted nor waited for: the
    /// session bounds it), unless the session's own close frame (its 1009, its answer to the server's close) waits behind
    /// that write: then the write is waited for, within the session's bound; then the queue learns how the socket ended.
    /// </summary>
    public async Task DetachAsync(DisconnectInfo? ended, TimeSpan grace)
    {
        SocketSession? session;
        CancellationTokenSource? pumpCts;
        Task pump;
        lock (_gate)
        {
            session = _session;
            _session = null;
            _flushing = false;
            pumpCts = _pumpCts;
            _pumpCts = null;
            pump = _pump;
        }

        pumpCts?.Cancel();
        _queue.StopTaking(); // the pump takes nothing more: from here, a message it is writing is the last

        // A free lock is taken at once, whatever the grace: with no write under way there is nothing to wait for (nor to
        // abort; a zero grace must not abort a socket that is about to get its close frame).
        var held = _writeLock.Wait(0, CancellationToken.None);
        if (!held)
        {
            using var bound = new CancellationTokenSource(grace, _time);
            try
            {
                await _writeLock.WaitAsync(bound.Token).ConfigureAwait(false);
                held = true;
            }
            catch (OperationCanceledException)
            {
                // Past the grace. A message still being written is aborted: it fails now and gives the lock back (unless the
                // session's own close frame is to follow it: then it is waited for, as aborting it would cut the close off too). Any other
                // holder is left alone and not waited for: the session's own close frame (its answer to the server's close,
                // its 1009) is bounded by the session, and aborting it would cut the close off; a writer that took the lock
                // but had not started finds the socket detached and lets go without writing.
                bool writing;
                lock (_gate)
                {
                    writing = _writingData;
                }

                if (writing || _queue.IsWriting)
                {
                    if (session is null || !await WaitForWriteBeforeOwnCloseAsync(session, ended).ConfigureAwait(false))
                    {
                        session?.Abort();
                        await _writeLock.WaitAsync().ConfigureAwait(false);
                    }

                    held = true;
                }
            }
        }

        if (held)
        {
            _writeLock.Release();
        }
        await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        pumpCts?.Dispose();
        _queue.Detach(ended);
    }

    /// <summary>
    /// A session closing on its own (1009, or its answer to the server's close) writes its close frame once the data write
    /// under way is done: that write (often already
    /// on the wire, its writer not yet past it) is not aborted but waited for, bounded by the session (see
    /// <see cref="SocketSession.WriteGraceBeforeOwnClose"/>). True once the write lock is taken; false when the session
    /// closes no other way or the bound passed.
    /// </summary>
    private async Task<bool> WaitForWriteBeforeOwnCloseAsync(SocketSession session, DisconnectInfo? ended)
    {
        if (session.WriteGraceBeforeOwnClose(ended) is not { } grace)
        {
            return false;
        }

        using var bound = new CancellationTokenSource(grace, _time);
        try
        {
            await _writeLock.WaitAsync(bound.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Sends encoded bytes by the fastest path that keeps the order; takes ownership of <paramref name="bytes"/>.</summary>
    public ValueTask SendAsync(RentedBuffer bytes, MessageKind kind, SendOptions options, string? id, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            bytes.Return();
            _telemetry.MessageFailed(DeliveryFailureReason.Cancelled);
            return ValueTask.FromException(new MessageDeliveryException(DeliveryFailureReason.Cancelled, id));
        }

        if (options.Delivery == DeliveryMode.Volatile)
        {
            return WriteVolatileAsync(bytes, kind, id, cancellationToken);
        }

        if (id is not null)
        {
            _queue.NoteIdSent();
        }

        var sequence = _queue.NextSequence();
        if (options.Delivery == DeliveryMode.AtMostOnce && options.TimeToLive is null && FlushingSession() is { } session && _writeLock.Wait(0, CancellationToken.None))
        {
            if (_queue.IsIdle && TryStartWriting(session))
            {
                return WriteDirectAsync(session, bytes, kind, sequence, id);
            }

            _writeLock.Release();
        }

        return SendAsync(new OutboundMessage(sequence, bytes, kind, options.Delivery, id), options.TimeToLive, cancellationToken);
    }

    /// <summary>Queues a message built by the caller (a request, a recovered durable message); its own task carries the outcome.</summary>
    public ValueTask SendAsync(OutboundMessage message, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        var outcome = message.AsValueTask();
        var enqueue = _queue.EnqueueAsync(message, timeToLive, cancellationToken);
        return enqueue.IsCompletedSuccessfully ? outcome : AwaitAdmissionThenOutcomeAsync(enqueue, outcome);

        static async ValueTask AwaitAdmissionThenOutcomeAsync(ValueTask enqueue, ValueTask outcome)
        {
            await enqueue.ConfigureAwait(false);
            await outcome.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues a message and completes once it is admitted (never by the fast path, so "accepted" means "in the queue"),
    /// returning its outcome as a task. A message refused at once (queue full, closed) returns a failed outcome.
    /// </summary>
    public async ValueTask<Task> EnqueueAsync(OutboundMessage message, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        var outcome = message.AsValueTask().AsTask();
        await _queue.EnqueueAsync(message, timeToLive, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>
    /// Completes when nothing is queued, being written (on the pump or on a caller's direct path) or waiting for an
    /// acknowledgement: the queue drained, then the write lock is free with the queue still drained (a direct write holds
    /// that lock and is not in the queue; one that fails goes back into the queue before it lets go).
    /// </summary>
    public async Task WhenDrainedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _queue.WhenDrainedAsync(cancellationToken).ConfigureAwait(false);
            if (!_writeLock.Wait(0, CancellationToken.None))
            {
                await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var drained = _queue.Drained;
            _writeLock.Release();
            if (drained)
            {
                return;
            }
        }
    }

    /// <summary>Writes now, ahead of everything queued (the on-connected hook, the heartbeat, volatile sends); fails when no socket is attached.</summary>
    public async ValueTask WriteNowAsync(ReadOnlyMemory<byte> bytes, MessageKind kind, CancellationToken cancellationToken)
    {
        var session = Volatile.Read(ref _session) ?? throw new WebSocketException(WebSocketError.InvalidState, "Not connected.");
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!TryStartWriting(session, evenBeforeFlushing: true))
            {
                throw new WebSocketException(WebSocketError.InvalidState, "The connection ended.");
            }

            try
            {
                await session.Socket.SendAsync(bytes, ToWebSocket(kind), true, cancellationToken).ConfigureAwait(false);
                _telemetry.MessageSent(kind, bytes.Length);
            }
            catch (Exception ex) when (TransportFailure.IsSocketFailure(ex))
            {
                session.FailWrite(ex);
                throw;
            }
            finally
            {
                StopWriting();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose()
    {
        _writeLock.Dispose();
        _pumpCts?.Dispose();
    }

    private static WebSocketMessageType ToWebSocket(MessageKind kind) => kind == MessageKind.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;

    /// <summary>The attached session when the fast path is open and the session is alive by the wall clock.</summary>
    private SocketSession? FlushingSession()
    {
        SocketSession? session;
        lock (_gate)
        {
            session = _flushing ? _session : null;
        }

        return session is not null && !session.HasEnded && session.CheckAlive() ? session : null;
    }

    /// <summary>
    /// Under the write lock: whether <paramref name="session"/> is still attached (and flushing, unless
    /// <paramref name="evenBeforeFlushing"/>); if so, a data write starts, which <see cref="StopWriting"/> ends. Checked and
    /// marked together, so a detach either sees the write (and may abort it) or the writer sees the detach (and does not write).
    /// </summary>
    private bool TryStartWriting(SocketSession session, bool evenBeforeFlushing = false)
    {
        lock (_gate)
        {
            if (_session != session || !(_flushing || evenBeforeFlushing) || session.HasEnded)
            {
                return false;
            }

            _writingData = true;
            return true;
        }
    }

    /// <summary>Under the write lock, before it is released: the data write that <see cref="TryStartWriting"/> started is over.</summary>
    private void StopWriting()
    {
        lock (_gate)
        {
            _writingData = false;
        }
    }

    /// <summary>Writes while holding the write lock taken by the caller, and releases it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteDirectAsync(SocketSession session, RentedBuffer bytes, MessageKind kind, long sequence, string? id)
    {
        OutboundMessage? retry = null;
        try
        {
            // Not cancellable once started: cancelling a WebSocket write aborts the socket.
            await session.Socket.SendAsync(bytes.Memory, ToWebSocket(kind), true, CancellationToken.None).ConfigureAwait(false);
            _telemetry.MessageSent(kind, bytes.Length);
        }
        catch (Exception ex) when (TransportFailure.IsSocketFailure(ex))
        {
            // The socket died under the write. The message goes back to its place in the order, attempted on this socket,
            // before the write lock is released, so the detach that waits for this lock finds it there: the detach fails
            // it as Interrupted if bytes may have left (written again, it could arrive twice), unless the server closed
            // with 1009 on it (it was refused, so not taken: tried once more). Refused before any byte: written again.
            session.FailWrite(ex);
            retry = new OutboundMessage(sequence, bytes, kind, DeliveryMode.AtMostOnce, id);
            _queue.Requeue(retry, attemptedHere: true, mayHaveLeft: TransportFailure.WriteMayHaveLeft(ex));
        }
        finally
        {
            StopWriting();
            _writeLock.Release();
        }

        if (retry is null)
        {
            bytes.Return();
            return;
        }

        await retry.AsValueTask().ConfigureAwait(false);
    }

    private async ValueTask WriteVolatileAsync(RentedBuffer bytes, MessageKind kind, string? id, CancellationToken cancellationToken)
    {
        try
        {
            if (FlushingSession() is null)
            {
                throw Failed(DeliveryFailureReason.NotConnected, id);
            }

            await WriteNowAsync(bytes.Memory, kind, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw Failed(DeliveryFailureReason.Cancelled, id);
        }
        catch (Exception ex) when (TransportFailure.IsSocketFailure(ex))
        {
            throw Failed(DeliveryFailureReason.NotConnected, id, ex);
        }
        finally
        {
            bytes.Return();
        }
    }

    /// <summary>A send that fails before it reaches the queue: measured, and its exception.</summary>
    private MessageDeliveryException Failed(DeliveryFailureReason reason, string? id, Exception? inner = null)
    {
        _telemetry.MessageFailed(reason);
        return new MessageDeliveryException(reason, id, inner);
    }

    private async Task PumpAsync(SocketSession session, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await _queue.WaitForWorkAsync(ct).ConfigureAwait(false);
                await _writeLock.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    // Drain what may go while holding the lock; new sends queue behind it, keeping the order.
                    while (!ct.IsCancellationRequested && _queue.TryTakeNext(out var message))
                    {
                        try
                        {
                            await session.Socket.SendAsync(message.Payload, ToWebSocket(message.Kind), true, CancellationToken.None).ConfigureAwait(false);
                        }
                        catch (Exception ex)
                        {
                            _queue.WriteFailed(message, TransportFailure.WriteMayHaveLeft(ex));
                            throw;
                        }

                        _telemetry.MessageSent(message.Kind, message.Length);
                        _queue.WriteSucceeded(message);
                    }
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Detached.
        }
        catch (Exception ex) when (TransportFailure.IsSocketFailure(ex))
        {
            session.FailWrite(ex);
        }
    }
}
