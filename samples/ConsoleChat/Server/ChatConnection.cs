using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace ConsoleChat.Server;

/// <summary>
/// One accepted WebSocket. Its receive loop reads frames and hands complete messages to the room;
/// everything it sends goes through a bounded queue drained by its own send pump, so there is never more than
/// one outstanding <c>SendAsync</c> and a slow client never holds up a broadcast. A queue overflow drops the connection.
/// </summary>
internal sealed class ChatConnection : IDisposable
{
    private readonly WebSocket _socket;
    private readonly Channel<Outgoing> _outgoing;
    private readonly CancellationTokenSource _abort;
    private readonly TimeProvider _time;
    private readonly TimeSpan _closeTimeout;
    private readonly int _maxMessageBytes;
    private long _lastReceived;
    private int _closing;
    private int _aborted;

    public ChatConnection(string id, WebSocket socket, ChatServerOptions options, CancellationToken requestAborted)
    {
        Id = id;
        _socket = socket;
        _time = options.TimeProvider;
        _closeTimeout = options.CloseTimeout;
        _maxMessageBytes = options.MaxMessageBytes;
        _lastReceived = _time.GetTimestamp();
        _abort = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        _outgoing = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(options.SendQueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // never used to wait: TryWrite fails instead, and the connection is dropped
        });
    }

    public string Id { get; }

    /// <summary>The authenticated user, or null. Read and written under the room's lock.</summary>
    public ChatUser? User { get; set; }

    /// <summary>Whether the connection was replaced by a newer login of the same user. Under the room's lock.</summary>
    public bool Kicked { get; set; }

    /// <summary>Whether a close was started (by either side); nothing more is queued after it.</summary>
    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    /// <summary>The <see cref="TimeProvider"/> timestamp of the last frame received.</summary>
    public long LastReceived => Interlocked.Read(ref _lastReceived);

    /// <summary>Queues a text frame. False when the connection is closing or was just dropped for overflowing.</summary>
    public bool TrySend(byte[] frame)
    {
        if (IsClosing)
        {
            return false;
        }

        if (_outgoing.Writer.TryWrite(new Outgoing(frame, null, null)))
        {
            return true;
        }

        Abort();
        return false;
    }

    /// <summary>Queues a close frame after what is already queued; nothing can be queued after it.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        if (!_outgoing.Writer.TryWrite(new Outgoing(null, status, reason)))
        {
            Abort();
        }

        _outgoing.Writer.TryComplete();
    }

    /// <summary>Drops the connection without a close handshake. Runs on the thread pool, never inline.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _closing, 1);
        _outgoing.Writer.TryComplete();
        ThreadPool.UnsafeQueueUserWorkItem(
            static self =>
            {
                try
                {
                    self._abort.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }

                self._socket.Abort();
            },
            this,
            preferLocal: false);
    }

    /// <summary>Runs the connection until it is closed or dropped: the send pump and the receive loop.</summary>
    public async Task RunAsync(ChatRoom room)
    {
        var pump = Task.Run(SendPumpAsync);
        try
        {
            await ReceiveLoopAsync(room).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer vanished or the socket was aborted: the connection simply ends.
        }
        finally
        {
            room.Remove(this);
            _outgoing.Writer.TryComplete();
        }

        try
        {
            // The pump still has to send a close echo (or finish the backlog); bound the wait.
            await pump.WaitAsync(_closeTimeout, TimeProvider.System).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abort();
        }
    }

    private async Task SendPumpAsync()
    {
        var token = _abort.Token;
        try
        {
            await foreach (var item in _outgoing.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                if (item.Frame is not null)
                {
                    await _socket.SendAsync(item.Frame, WebSocketMessageType.Text, endOfMessage: true, token).ConfigureAwait(false);
                    continue;
                }

                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    // A close we start must be answered by the peer within the close timeout, or the receive loop is cancelled.
                    _abort.CancelAfter(_closeTimeout);
                    await _socket.CloseOutputAsync(item.CloseStatus!.Value, item.CloseReason, token).ConfigureAwait(false);
                }

                return;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            Abort();
        }
    }

    private async Task ReceiveLoopAsync(ChatRoom room)
    {
        var token = _abort.Token;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(8192);
        var message = new ArrayBufferWriter<byte>(8192);
        bool discarding = false;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), token).ConfigureAwait(false);
                Interlocked.Exchange(ref _lastReceived, _time.GetTimestamp());

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // Answer the peer's close (a no-op when we started the close ourselves).
                    var status = _socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure;
                    Close(status, status == WebSocketCloseStatus.Empty ? string.Empty : _socket.CloseStatusDescription ?? string.Empty);
                    return;
                }

                if (discarding)
                {
                    continue;
                }

                if (message.WrittenCount + result.Count > _maxMessageBytes)
                {
                    Close(WebSocketCloseStatus.MessageTooBig, "message too big");
                    discarding = true; // read on until the peer answers the close
                    continue;
                }

                message.Write(buffer.AsSpan(0, result.Count));
                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (!IsClosing)
                {
                    room.Handle(this, result.MessageType, message.WrittenMemory);
                }

                message.ResetWrittenCount();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose()
    {
        _abort.Dispose();
        _socket.Dispose();
    }

    private readonly record struct Outgoing(byte[]? Frame, WebSocketCloseStatus? CloseStatus, string? CloseReason);
}
