using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace RealtimeClient.Internal;

/// <summary>
/// One physical socket: its receive loop, send pump, heartbeat and liveness check, and its own cancellation.
/// A session never changes the public state: it ends, once, with a <see cref="DisconnectInfo"/>, and the supervisor decides.
/// </summary>
internal sealed class Session : IAsyncDisposable
{
    private readonly WebSocket _socket;
    private readonly ISessionHost _host;
    private readonly CancellationTokenSource _cts = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource<DisconnectInfo> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _waitersGate = new();
    private readonly List<Waiter> _waiters = [];
    private readonly bool _waitWithoutBuffer;
    private Task _receiveLoop = Task.CompletedTask;
    private Task _pump = Task.CompletedTask;
    private ITimer? _heartbeatTimer;
    private ITimer? _silenceTimer;
    private long _lastReceivedTicks;
    private volatile bool _ready;
    private DateTimeOffset _connectedAt;

    public Session(WebSocket socket, ISessionHost host)
    {
        _socket = socket;
        _host = host;

        // Zero-byte reads are understood by the runtime's own WebSocket (ClientWebSocket, WebSocket.CreateFromStream);
        // another implementation from a custom connector gets the classic loop that always holds a buffer.
        _waitWithoutBuffer = socket is ClientWebSocket || socket.GetType().Assembly == typeof(WebSocket).Assembly;
        _lastReceivedTicks = host.Time.GetUtcNow().UtcTicks;
    }

    /// <summary>Completes, once, with how the session ended.</summary>
    public Task<DisconnectInfo> Ended => _ended.Task;

    /// <summary>True once the hook has run and the pump owns the queue: direct writes keep the order.</summary>
    public bool IsReady => _ready && !_cts.IsCancellationRequested;

    /// <summary>How long nothing has been received, by the connection's clock.</summary>
    private TimeSpan Silence => TimeSpan.FromTicks(_host.Time.GetUtcNow().UtcTicks - Volatile.Read(ref _lastReceivedTicks));

    public TimeSpan UpTime => _connectedAt == default ? TimeSpan.Zero : _host.Time.GetUtcNow() - _connectedAt;

    private byte[] _heartbeatBytes = [];

    /// <summary>Starts the receive loop (and with it liveness tracking). The hook may run after this.</summary>
    public void Start()
    {
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        var heartbeat = _host.Options.Heartbeat;
        if (heartbeat.Enabled && heartbeat.Message is { } message)
        {
            _heartbeatBytes = Encoding.UTF8.GetBytes(message);
            _silenceTimer = _host.Time.CreateTimer(static s => ((Session)s!).OnSilenceTimer(), this, heartbeat.Timeout, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>After the hook: resend what is unacknowledged, start the pump and the heartbeat; the session is now connected.</summary>
    public void StartPump()
    {
        _connectedAt = _host.Time.GetUtcNow();
        _host.Queue.RequeueInFlight();
        _pump = Task.Run(PumpAsync);
        var heartbeat = _host.Options.Heartbeat;
        if (heartbeat.Enabled && heartbeat.Message is not null)
        {
            _heartbeatTimer = _host.Time.CreateTimer(static s => ((Session)s!).SendHeartbeat(), this, heartbeat.Interval, heartbeat.Interval);
        }

        _ready = true;
    }

    /// <summary>Ends the session with <paramref name="info"/> unless it already ended; stops its loops and aborts the socket.</summary>
    public void End(DisconnectInfo info)
    {
        if (_ended.TrySetResult(info))
        {
            _ready = false;
            _heartbeatTimer?.Dispose();
            _silenceTimer?.Dispose();
            _cts.Cancel();
            FailWaiters(info);
        }
    }

    /// <summary>
    /// True when the wall clock says nothing has arrived for longer than the heartbeat timeout (timers stall while a laptop
    /// sleeps); the session is then ended as dead.
    /// </summary>
    public bool CheckLivenessByWallClock()
    {
        var heartbeat = _host.Options.Heartbeat;
        if (!heartbeat.SilenceCheckEnabled || _ended.Task.IsCompleted)
        {
            return false;
        }

        var silence = Silence;
        if (silence < heartbeat.Timeout)
        {
            return false;
        }

        DeclareDead(silence);
        return true;
    }

    /// <summary>Writes one message now, under the write lock (hook, heartbeat, volatile sends).</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> payload, MessageKind kind, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cts.Token);
        await _writeLock.WaitAsync(linked.Token).ConfigureAwait(false);
        await DirectWriteAsync(payload, kind, linked.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// The fast path of a send: when the session is ready, the queue is empty and no write is under way, the caller writes
    /// its own message. Returns false (nothing written) when it must be queued instead.
    /// </summary>
    public bool TryEnterDirectWrite()
    {
        if (!IsReady || !_writeLock.Wait(0))
        {
            return false;
        }

        if (_host.Queue.IsIdle && IsReady)
        {
            return true;
        }

        _writeLock.Release();
        return false;
    }

    /// <summary>Writes while holding the lock taken by <see cref="TryEnterDirectWrite"/>, and releases it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask DirectWriteAsync(ReadOnlyMemory<byte> payload, MessageKind kind, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendAsync(payload, kind.ToWebSocket(), true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            End(new DisconnectInfo(DisconnectKind.ConnectionLost, exception: ex, upTime: UpTime));
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Waits for an inbound message matching a raw predicate or an envelope-type predicate.</summary>
    public async Task<InboundMessage> WaitForMessageAsync(Func<InboundMessage, bool>? predicate, Func<string?, bool>? typePredicate, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(predicate, typePredicate);
        lock (_waitersGate)
        {
            if (_ended.Task.IsCompleted)
            {
                throw new ConnectionAttemptException(_ended.Task.Result);
            }

            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_waitersGate)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>
    /// The app's stop: sends a close frame and waits for the server's reply up to <paramref name="timeout"/>, then aborts.
    /// With <paramref name="waitForReply"/> false (dispose), only the close frame is sent, within the same bound.
    /// </summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description, TimeSpan timeout, bool waitForReply)
    {
        using var bound = new CancellationTokenSource(timeout, _host.Time);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await SendCloseFrameAsync(status, description, bound.Token).ConfigureAwait(false);
                if (waitForReply)
                {
                    await _receiveLoop.WaitAsync(bound.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            Log.CloseTimedOut(_host.Logger, timeout.TotalMilliseconds);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
            // The socket was already gone: nothing left to close politely.
        }
        finally
        {
            End(new DisconnectInfo(DisconnectKind.ConnectionLost, WebSocketCloseStatus.NormalClosure, "closed by the client", upTime: UpTime));
            _socket.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        End(new DisconnectInfo(DisconnectKind.ConnectionLost, exception: new ObjectDisposedException(nameof(Session)), upTime: UpTime));
        if (_ended.Task.Result.Kind is DisconnectKind.ServerClosed or DisconnectKind.MessageTooLarge)
        {
            // The receive loop ended the session and is writing a close frame (the answer to the server's close, or 1009),
            // bounded by CloseTimeout; aborting now could cut it off, so the server would never learn why.
            await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _socket.Abort();
        try
        {
            await Task.WhenAll(_receiveLoop, _pump).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Both loops catch their own failures; anything reaching here is a bug worth logging, not throwing from dispose.
            Log.InternalError(_host.Logger, nameof(Session), ex);
        }

        _socket.Dispose();
        _cts.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var options = _host.Options;
        var ct = _cts.Token;
        var buffer = ArrayPool<byte>.Shared.Rent(options.ReceiveBufferSize);
        var count = 0;
        var burst = false;

        // Room for one byte beyond the limit: reading it is what tells a message over the limit from one exactly at it
        // (whose last fragment may be empty, so "not ended at the limit" does not mean "too large").
        var limit = (int)Math.Min((long)options.MaxMessageSize + 1, Array.MaxLength);
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult? early = null;
                if (count == 0 && _waitWithoutBuffer && !burst)
                {
                    // Between messages, wait for the next one without holding the receive buffer (a zero-byte read
                    // returns once a frame header has arrived), so an idle connection keeps no buffer. Skipped while
                    // data is arriving back to back (the last read completed at once): the extra read would cost
                    // time for nothing, and the next message is already there.
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = [];
                    var next = await _socket.ReceiveAsync(Memory<byte>.Empty, ct).ConfigureAwait(false);
                    buffer = ArrayPool<byte>.Shared.Rent(options.ReceiveBufferSize);
                    if (next.MessageType == WebSocketMessageType.Close || next.EndOfMessage)
                    {
                        // A close, or an empty message: already complete, nothing more to read for it.
                        early = next;
                    }
                }

                if (count == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, limit));
                    buffer.AsSpan(0, count).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var room = Math.Min(buffer.Length, limit) - count;
                ValueWebSocketReceiveResult result;
                if (early is { } complete)
                {
                    result = complete;
                    burst = false;
                }
                else
                {
                    var receive = _socket.ReceiveAsync(buffer.AsMemory(count, room), ct);
                    burst = receive.IsCompleted;
                    result = await receive.ConfigureAwait(false);
                }
                Volatile.Write(ref _lastReceivedTicks, _host.Time.GetUtcNow().UtcTicks);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await OnServerCloseAsync().ConfigureAwait(false);
                    return;
                }

                count += result.Count;
                if (count >= limit)
                {
                    // Past MaxMessageSize (or, for a limit near Array.MaxLength, no room left to read on).
                    await OnTooLargeAsync().ConfigureAwait(false);
                    return;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                var kind = result.MessageType.ToMessageKind();
                if (HasWaiters)
                {
                    CheckWaiters(kind, buffer.AsSpan(0, count));
                }

                // The dispatcher owns what it is handed until it has dispatched it, and many messages may wait in its
                // buffer. A message that fits the receive buffer is copied into a rented array of its own size (the
                // pool keeps many small arrays, few large ones), and the receive buffer is kept for the next message;
                // a message that made the buffer grow is handed over whole and a fresh receive buffer is rented.
                byte[] message;
                if (count <= options.ReceiveBufferSize)
                {
                    message = ArrayPool<byte>.Shared.Rent(Math.Max(count, 1));
                    buffer.AsSpan(0, count).CopyTo(message);
                }
                else
                {
                    message = buffer;
                    buffer = ArrayPool<byte>.Shared.Rent(options.ReceiveBufferSize);
                }

                var length = count;
                count = 0;
                if (await _host.OnInboundAsync(kind, message, length, ct).ConfigureAwait(false) is { } fatal)
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
            if (IsInvalidUtf8(ex))
            {
                Log.InvalidUtf8(_host.Logger, ex);
                _host.ReportError(new RealtimeError(ErrorKind.InvalidUtf8, "A text message from the server was not valid UTF-8; the connection was closed with 1007.", ex));
            }

            End(new DisconnectInfo(DisconnectKind.ConnectionLost, _socket.CloseStatus, exception: ex, upTime: UpTime));
        }
        finally
        {
            if (buffer.Length != 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Whether a receive failed because a text message was not valid UTF-8. The managed WebSocket validates text itself:
    /// it sends close 1007 and throws a bare <see cref="WebSocketError.Faulted"/> exception (no message of its own, no
    /// inner exception), unlike its protocol errors (which carry a message) and transport failures (which carry the
    /// cause). Other implementations may say "UTF-8" in the message.
    /// </summary>
    private static bool IsInvalidUtf8(Exception ex) =>
        ex is WebSocketException wse
        && (wse.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase)
            || (wse.WebSocketErrorCode == WebSocketError.Faulted && wse.InnerException is null
                && string.Equals(wse.Message, BareFaultedMessage, StringComparison.Ordinal)));

    /// <summary>The message of a <see cref="WebSocketError.Faulted"/> exception created without one (the runtime's own text, in its culture).</summary>
    private static readonly string BareFaultedMessage = new WebSocketException(WebSocketError.Faulted).Message;

    private async Task OnServerCloseAsync()
    {
        var info = new DisconnectInfo(DisconnectKind.ServerClosed, _socket.CloseStatus, _socket.CloseStatusDescription, upTime: UpTime);
        Log.ServerClosed(_host.Logger, _socket.CloseStatus);
        End(info);
        if (_socket.State == WebSocketState.CloseReceived)
        {
            // Answer the server's close so it sees a clean handshake; bounded, and abort if the write hangs.
            using var bound = new CancellationTokenSource(_host.Options.CloseTimeout, _host.Time);
            try
            {
                await _socket.CloseOutputAsync(_socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, bound.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
            {
                _socket.Abort();
            }
        }
    }

    private async Task OnTooLargeAsync()
    {
        var limit = _host.Options.MaxMessageSize;
        Log.MessageTooLarge(_host.Logger, limit);
        _host.ReportError(new RealtimeError(ErrorKind.MessageTooLarge, $"An inbound message exceeded the maximum message size of {limit} bytes; the connection was closed with 1009."));
        End(new DisconnectInfo(DisconnectKind.MessageTooLarge, WebSocketCloseStatus.MessageTooBig, upTime: UpTime));
        using var bound = new CancellationTokenSource(_host.Options.CloseTimeout, _host.Time);
        try
        {
            await SendCloseFrameAsync(WebSocketCloseStatus.MessageTooBig, "message too big", bound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
            // The close frame is a courtesy; the socket is aborted by the supervisor either way.
        }
    }

    /// <summary>Writes a close frame under the write lock, so it never interleaves with a message being written.</summary>
    private async Task SendCloseFrameAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.CloseOutputAsync(status, description, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task PumpAsync()
    {
        var queue = _host.Queue;
        var ct = _cts.Token;
        try
        {
            while (true)
            {
                await queue.WaitForWorkAsync(ct).ConfigureAwait(false);
                await _writeLock.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    // Drain what is there while holding the lock; new sends queue behind it, keeping the order.
                    while (queue.TakeNext() is { } message)
                    {
                        try
                        {
                            await _socket.SendAsync(message.Payload, message.MessageType, true, ct).ConfigureAwait(false);
                        }
                        catch
                        {
                            queue.WriteFailed(message);
                            throw;
                        }

                        queue.WriteSucceeded(message);
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
            // Ended elsewhere.
        }
        catch (Exception ex)
        {
            End(new DisconnectInfo(DisconnectKind.ConnectionLost, exception: ex, upTime: UpTime));
        }
    }

    private void SendHeartbeat()
    {
        if (CheckLivenessByWallClock() || !IsReady)
        {
            return;
        }

        _ = SendHeartbeatAsync();
    }

    private async Task SendHeartbeatAsync()
    {
        try
        {
            await WriteAsync(_heartbeatBytes, MessageKind.Text, _cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
            // A failed heartbeat write already ended the session with the cause.
        }
    }

    private void OnSilenceTimer()
    {
        var timeout = _host.Options.Heartbeat.Timeout;
        var silence = Silence;
        if (silence >= timeout)
        {
            DeclareDead(silence);
            return;
        }

        try
        {
            _silenceTimer?.Change(timeout - silence, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The session ended meanwhile.
        }
    }

    private void DeclareDead(TimeSpan silence)
    {
        if (_ended.Task.IsCompleted)
        {
            return;
        }

        Log.HeartbeatTimeout(_host.Logger, silence.TotalMilliseconds);
        _host.ReportError(new RealtimeError(ErrorKind.HeartbeatTimeout, $"Nothing was received for {silence.TotalSeconds:0.###} s; the connection is considered dead and is being replaced."));
        End(new DisconnectInfo(DisconnectKind.HeartbeatTimeout, upTime: UpTime));
        _socket.Abort();
    }

    private bool HasWaiters
    {
        get
        {
            lock (_waitersGate)
            {
                return _waiters.Count > 0;
            }
        }
    }

    private void CheckWaiters(MessageKind kind, ReadOnlySpan<byte> payload)
    {
        var message = kind == MessageKind.Text ? new InboundMessage(Encoding.UTF8.GetString(payload)) : new InboundMessage(payload.ToArray());
        string? type = null;
        if (kind == MessageKind.Text)
        {
            _host.TryReadHeader(payload, out type, out _);
        }

        Waiter[] waiters;
        lock (_waitersGate)
        {
            waiters = [.. _waiters];
        }

        foreach (var waiter in waiters)
        {
            try
            {
                if ((waiter.Predicate?.Invoke(message) ?? false) || (waiter.TypePredicate?.Invoke(type) ?? false))
                {
                    waiter.Completion.TrySetResult(message);
                }
            }
            catch (Exception ex)
            {
                waiter.Completion.TrySetException(ex);
            }
        }
    }

    private void FailWaiters(DisconnectInfo info)
    {
        Waiter[] waiters;
        lock (_waitersGate)
        {
            waiters = [.. _waiters];
        }

        foreach (var waiter in waiters)
        {
            waiter.Completion.TrySetException(new ConnectionAttemptException(info));
        }
    }

    private sealed class Waiter(Func<InboundMessage, bool>? predicate, Func<string?, bool>? typePredicate)
    {
        public Func<InboundMessage, bool>? Predicate { get; } = predicate;

        public Func<string?, bool>? TypePredicate { get; } = typePredicate;

        public TaskCompletionSource<InboundMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
