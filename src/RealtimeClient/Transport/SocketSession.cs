using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using RealtimeClient.Buffers;
using RealtimeClient.Diagnostics;
using RealtimeClient.Inbound;
using RealtimeClient.Serialization;

namespace RealtimeClient.Transport;

/// <summary>What a socket session needs from the options, resolved once per connection.</summary>
internal sealed record SessionSettings(int MaxInboundMessageSize, int ReceiveBufferSize, TimeSpan CloseTimeout, HeartbeatOptions Heartbeat, bool PongTimeoutConfigured)
{
    /// <summary>How long the client keeps reading (and discarding) after its own close for a protocol error, so the server reads the close.</summary>
    public TimeSpan DrainBound => CloseTimeout < TimeSpan.FromSeconds(2) ? CloseTimeout : TimeSpan.FromSeconds(2);
}

/// <summary>
/// One physical socket: its receive loop, its close handshakes (the server's, the app's, and the client's own after a
/// protocol error, followed by a short drain), its heartbeat, and the waits of the on-connected hook. A session never
/// changes the connection's state: it ends, once, with a <see cref="DisconnectInfo"/>, and the connection loop decides.
/// Writes of data go through the outbound channel, which owns the write lock this session shares for its close frames.
/// </summary>
internal sealed class SocketSession : IAsyncDisposable
{
    private readonly WebSocket _socket;
    private readonly SessionSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly InboundPipeline _inbound;
    private readonly IEnvelopeFormat _format;
    private readonly SemaphoreSlim _writeLock;
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource<DisconnectInfo> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _waitWithoutBuffer;
    private Heartbeat? _heartbeat;
    private Task _receiveLoop = Task.CompletedTask;
    private DateTimeOffset _connectedAt;
    private volatile DisconnectInfo? _closingAs; // set when the client starts its own close: how the session ends then
    private volatile bool _abortedByUs;
    private int _ending; // set once, by the first End

    public SocketSession(long id, WebSocket socket, SessionSettings settings, TimeProvider time, ILogger logger, InboundPipeline inbound, IEnvelopeFormat format, SemaphoreSlim writeLock)
    {
        Id = id;
        _socket = socket;
        _settings = settings;
        _time = time;
        _logger = logger;
        _inbound = inbound;
        _format = format;
        _writeLock = writeLock;

        // Zero-byte reads are understood by the runtime's own WebSocket (ClientWebSocket, WebSocket.CreateFromStream);
        // another implementation from a custom connector gets the classic loop that always holds a buffer.
        _waitWithoutBuffer = socket is ClientWebSocket || socket.GetType().Assembly == typeof(WebSocket).Assembly;
    }

    /// <summary>A number unique to this session within its connection.</summary>
    public long Id { get; }

    public WebSocket Socket => _socket;

    /// <summary>Completes, once, with how the session ended.</summary>
    public Task<DisconnectInfo> Ended => _ended.Task;

    public bool HasEnded => _ended.Task.IsCompleted;

    public MessageWaiters Waiters { get; } = new();

    /// <summary>How long the session has been connected (zero before the hook finished).</summary>
    public TimeSpan UpTime => _connectedAt == default ? TimeSpan.Zero : _time.GetUtcNow() - _connectedAt;

    /// <summary>Starts the receive loop. The on-connected hook may run after this.</summary>
    public void Start() => _receiveLoop = Task.Run(ReceiveLoopAsync);

    /// <summary>After the hook: the session counts as connected, and the heartbeat starts, written through <paramref name="send"/>.</summary>
    public void MarkConnected(Func<ReadOnlyMemory<byte>, ValueTask> send)
    {
        _connectedAt = _time.GetUtcNow();
        var heartbeat = new Heartbeat(_settings.Heartbeat, _time, send, OnDead);
        heartbeat.Touch();
        Interlocked.Exchange(ref _heartbeat, heartbeat); // a full fence: End either sees this heartbeat or we see its flag
        heartbeat.Start();
        if (Volatile.Read(ref _ending) != 0)
        {
            heartbeat.Dispose();
        }
    }

    /// <summary>
    /// Ends the session with <paramref name="info"/> unless it already ended (or is ending); false if it had. Everything the
    /// end stops is stopped before <see cref="Ended"/> completes, so whoever awaits it (the teardown that disposes this
    /// session) runs after.
    /// </summary>
    public bool End(DisconnectInfo info)
    {
        if (Interlocked.Exchange(ref _ending, 1) != 0)
        {
            return false;
        }

        var ended = info with { UpTime = UpTime };
        Volatile.Read(ref _heartbeat)?.Dispose();
        Waiters.FailAll(info);
        _cts.Cancel();
        _ended.TrySetResult(ended);
        return true;
    }

    /// <summary>
    /// A write failed: the session ends with the write's cause (or as the client's own close, when one is under way). When
    /// the peer broke the connection under the write (reset, shut down), the receive side fails too, but first reads what
    /// arrived before the break, and that can be the cause that matters: a server refusing a message closes with 1009 and
    /// drops the connection, and through a proxy the rest of the write then meets a reset before the close frame is read.
    /// The receive loop gets the drain bound to end the session with what it read; then the write's cause ends it.
    /// </summary>
    public void FailWrite(Exception ex)
    {
        var info = _closingAs ?? new DisconnectInfo(DisconnectKind.ConnectionLost)
        {
            Exception = ex,
            SocketError = TransportFailure.FindSocketError(ex),
            CloseStatus = _socket.CloseStatus,
        };
        if (info.SocketError is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted && !HasEnded)
        {
            _ = EndAfterReceiveLoopAsync(info);
            return;
        }

        End(info);
    }

    /// <summary>False (and the session ended as dead) when the wall clock says the heartbeat timeout passed without a sign of life.</summary>
    public bool CheckAlive() => !(Volatile.Read(ref _heartbeat)?.IsDeadByWallClock() ?? false);

    /// <summary>Aborts the socket now: whatever waits on it fails at once.</summary>
    public void Abort()
    {
        _abortedByUs = true;
        _socket.Abort();
    }

    /// <summary>
    /// The client's own close: sends a close frame (waiting up to <paramref name="bound"/> for a write under way to finish)
    /// and, with <paramref name="waitForReply"/>, waits for the server's answer within the same bound; then aborts. The
    /// session ends as <paramref name="endAs"/>: without <paramref name="waitForReply"/> as soon as the frame is written
    /// (still under the write lock, so nothing is written after it), otherwise once the answer came or the bound passed.
    /// A failure of the socket meanwhile is part of this close, not a loss. Never throws.
    /// </summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description, TimeSpan bound, bool waitForReply, CancellationToken cancellationToken, DisconnectKind endAs = DisconnectKind.ClosedByClient)
    {
        var ending = new DisconnectInfo(endAs) { CloseStatus = status };
        _closingAs ??= ending;
        using var timeout = new CancellationTokenSource(bound, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            if (!HasEnded && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await SendCloseFrameAsync(status, description, linked.Token, waitForReply ? null : ending).ConfigureAwait(false);
                if (waitForReply)
                {
                    await _receiveLoop.WaitAsync(linked.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Log.CloseTimedOut(_logger, bound.TotalMilliseconds);
        }
        catch (Exception ex) when (TransportFailure.IsSocketFailure(ex))
        {
            // The socket was already gone (or the app cancelled the wait): nothing left to close politely.
        }
        finally
        {
            End(ending);
            Abort();
        }
    }

    /// <summary>
    /// How long a data write under way when the session ended as <paramref name="ended"/> may take before the socket is
    /// aborted under it, when the session writes a close frame of its own after that write: its answer to the server's close,
    /// or its 1009 after a message over the limit, waits for the write lock. Aborting that write would cut the close frame
    /// off and the server would see the connection drop instead (an interop run saw both). The session bounds its own close
    /// frame (the answer by the close timeout, the 1009 by its drain bound) and aborts the socket past it, so the close
    /// timeout given here is only a backstop. Null when the session writes no close of its own (or was aborted).
    /// A server that closed because it would not take what was sent (1009, 1003, 1007) stopped reading: a write under way
    /// then may never finish, so it is aborted at once, as before.
    /// </summary>
    public TimeSpan? WriteGraceBeforeOwnClose(DisconnectInfo? ended) =>
        !_abortedByUs && ended is { Kind: DisconnectKind.MessageTooLarge } or { Kind: DisconnectKind.ServerClosed, ServerRefusedData: false }
            ? _settings.CloseTimeout
            : null;

    /// <summary>Ends the session (if it had not), lets a close frame the receive loop is writing finish (bounded), aborts, and waits for the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        End(new DisconnectInfo(DisconnectKind.ConnectionLost) { Exception = new ObjectDisposedException(nameof(SocketSession)) });
        var ended = await _ended.Task.ConfigureAwait(false); // set by this End or by one still finishing on another thread
        if (!_abortedByUs && ended.Kind is DisconnectKind.ServerClosed or DisconnectKind.MessageTooLarge)
        {
            // The receive loop is answering the server's close, or closing with 1009 and draining, both bounded: aborting
            // now would cut that off and the server would never learn why.
            await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Abort();
        await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Volatile.Read(ref _heartbeat)?.Dispose();
        _socket.Dispose();

        // _cts is not disposed: End publishes the end before it cancels _cts, so the teardown that the end starts (this
        // method, on another thread) can get here while End still has to cancel it. A source without a timer or linked
        // tokens holds nothing that needs disposing.
    }

    private async Task EndAfterReceiveLoopAsync(DisconnectInfo info)
    {
        await _receiveLoop.WaitAsync(_settings.DrainBound, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        End(info);
    }

    private void OnDead(TimeSpan silence)
    {
        Log.HeartbeatTimeout(_logger, silence.TotalMilliseconds);
        if (End(new DisconnectInfo(DisconnectKind.HeartbeatTimeout)))
        {
            Abort();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var ct = _cts.Token;
        var size = _settings.ReceiveBufferSize;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        var count = 0;
        var burst = false;
        var waited = false; // some read of the message being assembled had to wait for the network
        var copier = new MessageCopier();

        // Room for one byte beyond the limit: reading it is what tells a message over the limit from one exactly at it
        // (whose last fragment may be empty, so "not ended at the limit" does not mean "too large").
        var limit = (int)Math.Min((long)_settings.MaxInboundMessageSize + 1, Array.MaxLength);
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult? early = null;
                if (count == 0 && _waitWithoutBuffer && !burst)
                {
                    // Between messages, wait for the next one without holding a buffer (a zero-byte read returns once a
                    // frame header has arrived), so an idle connection keeps none. Skipped while data arrives back to back.
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = [];
                    HandOnBeforeWaiting(copier);
                    waited = true;
                    var next = await _socket.ReceiveAsync(Memory<byte>.Empty, ct).ConfigureAwait(false);
                    buffer = ArrayPool<byte>.Shared.Rent(size);
                    if (next.MessageType == WebSocketMessageType.Close || next.EndOfMessage)
                    {
                        early = next; // a close, or an empty message: nothing more to read for it
                    }
                }

                if (count == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, limit));
                    buffer.AsSpan(0, count).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                ValueWebSocketReceiveResult result;
                if (early is { } complete)
                {
                    result = complete;
                    burst = false;
                }
                else
                {
                    var receive = _socket.ReceiveAsync(buffer.AsMemory(count, Math.Min(buffer.Length, limit) - count), ct);
                    burst = receive.IsCompleted;
                    if (!burst)
                    {
                        HandOnBeforeWaiting(copier);
                        waited = true;
                    }

                    result = await receive.ConfigureAwait(false);
                }

                Volatile.Read(ref _heartbeat)?.Touch();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _inbound.WakeDispatch();
                    await OnCloseReceivedAsync().ConfigureAwait(false);
                    return;
                }

                count += result.Count;
                if (count >= limit)
                {
                    _inbound.WakeDispatch();
                    await CloseAfterProtocolErrorAsync(buffer).ConfigureAwait(false);
                    return;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                var kind = result.MessageType == WebSocketMessageType.Text ? MessageKind.Text : MessageKind.Binary;
                if (Waiters.Any)
                {
                    Waiters.Offer(kind, buffer.AsSpan(0, count), _format);
                }

                // What is handed on may wait in the dispatch buffer for a while. A message that fits the receive buffer is
                // copied out (into a segment shared with the messages arriving back to back with it, see MessageCopier) and
                // the receive buffer is kept; a message that made the buffer grow is handed over whole.
                RentedBuffer message;
                if (count <= size)
                {
                    message = copier.Copy(buffer.AsSpan(0, count), moreWaiting: !waited);
                }
                else
                {
                    message = RentedBuffer.Own(buffer, count);
                    buffer = ArrayPool<byte>.Shared.Rent(size);
                }

                count = 0;
                waited = false;
                if (await _inbound.HandleAsync(kind, message, ct, moreMayFollow: true).ConfigureAwait(false) is { } fatal)
                {
                    End(fatal);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ended elsewhere: the reason is already set.
        }
        catch (Exception ex)
        {
            // While the client closes, the socket failing (its close write cut short by the bound, say) is that close.
            End(_closingAs ?? ClassifyReceiveFailure(ex));
        }
        finally
        {
            HandOnBeforeWaiting(copier);
            if (buffer.Length != 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Before the receive loop waits for the network (or ends): it lets go of its message segment (nothing arrives to share
    /// it meanwhile, and a quiet connection holds none) and wakes the dispatch task for what it handed on without waking it
    /// (see <see cref="InboundPipeline.HandleAsync"/>).
    /// </summary>
    private void HandOnBeforeWaiting(MessageCopier copier)
    {
        copier.Release();
        _inbound.WakeDispatch();
    }

    private DisconnectInfo ClassifyReceiveFailure(Exception ex)
    {
        if (TransportFailure.IsInvalidUtf8(ex))
        {
            Log.InvalidUtf8(_logger);
            return new DisconnectInfo(DisconnectKind.InvalidMessage) { CloseStatus = WebSocketCloseStatus.InvalidPayloadData, Exception = ex };
        }

        // The runtime's keep-alive aborts the socket when a pong is late; nothing else aborts it behind our back.
        if (TransportFailure.IsMissedPong(ex)
            || (ex is OperationCanceledException && !_abortedByUs && _settings.PongTimeoutConfigured && _socket.State == WebSocketState.Aborted))
        {
            Log.HeartbeatTimeout(_logger, double.NaN);
            return new DisconnectInfo(DisconnectKind.HeartbeatTimeout) { Exception = ex };
        }

        return new DisconnectInfo(DisconnectKind.ConnectionLost)
        {
            Exception = ex,
            SocketError = TransportFailure.FindSocketError(ex),
            CloseStatus = _socket.CloseStatus,
        };
    }

    private async Task OnCloseReceivedAsync()
    {
        var status = _socket.CloseStatus;
        Log.ServerClosed(_logger, status);
        if (_closingAs is { } closing)
        {
            End(closing with { CloseStatus = status, CloseDescription = _socket.CloseStatusDescription });
            return;
        }

        End(new DisconnectInfo(DisconnectKind.ServerClosed) { CloseStatus = status, CloseDescription = _socket.CloseStatusDescription });
        if (_socket.State == WebSocketState.CloseReceived)
        {
            // Answer the server's close so it sees a clean handshake; bounded, and abort if the write hangs.
            using var bound = new CancellationTokenSource(_settings.CloseTimeout, _time);
            try
            {
                await SendCloseFrameAsync(status ?? WebSocketCloseStatus.NormalClosure, null, bound.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (TransportFailure.IsSocketFailure(ex))
            {
                Abort();
            }
        }
    }

    /// <summary>
    /// An inbound message went past the limit: close with 1009, then keep reading (and discarding) until the server's close
    /// arrives or the drain bound passes, so the server reads the close instead of a reset connection.
    /// </summary>
    private async Task CloseAfterProtocolErrorAsync(byte[] scratch)
    {
        var limit = _settings.MaxInboundMessageSize;
        Log.MessageTooLarge(_logger, limit);
        End(new DisconnectInfo(DisconnectKind.MessageTooLarge) { CloseStatus = WebSocketCloseStatus.MessageTooBig });
        using var bound = new CancellationTokenSource(_settings.DrainBound, _time);
        try
        {
            await SendCloseFrameAsync(WebSocketCloseStatus.MessageTooBig, "message too big", bound.Token).ConfigureAwait(false);
            for (var frames = 0; frames < 1_000_000; frames++)
            {
                var result = await _socket.ReceiveAsync(scratch.AsMemory(), bound.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (TransportFailure.IsSocketFailure(ex))
        {
            // The close frame and the drain are a courtesy, bounded: past the bound (or on a failure) the socket is aborted
            // now, which also ends a write the close frame was waiting behind.
            Abort();
        }
    }

    /// <summary>
    /// Writes a close frame under the write lock, so it never interleaves with a message being written; with
    /// <paramref name="endWith"/>, the session ends before the lock is released, so no message is written after the frame.
    /// </summary>
    private async Task SendCloseFrameAsync(WebSocketCloseStatus status, string? description, CancellationToken cancellationToken, DisconnectInfo? endWith = null)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.CloseOutputAsync(status, description, cancellationToken).ConfigureAwait(false);
            if (endWith is not null)
            {
                End(endWith);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
