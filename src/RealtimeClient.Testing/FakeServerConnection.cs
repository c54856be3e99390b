using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;

namespace RealtimeClient.Testing;

/// <summary>
/// The server side of one accepted in-memory WebSocket connection. A receive loop runs while the connection is
/// alive: it records every message the client sends, runs <see cref="OnMessage"/>, answers pings (the managed
/// WebSocket does that inside its receive) and answers a client-initiated close, then drops the connection.
/// </summary>
public sealed class FakeServerConnection : IAsyncDisposable
{
    private readonly WebSocket _socket;
    private readonly InMemoryDuplexStream _serverStream;
    private readonly InMemoryDuplexStream _clientStream;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly object _lock = new();
    private readonly List<ReceivedFrame> _received = [];
    private readonly List<Exception> _onMessageFailures = [];
    private readonly Channel<ReceivedFrame> _unread = Channel.CreateUnbounded<ReceivedFrame>();
    private readonly TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)> _clientClosed =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _receivedChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _receiveLoop = Task.CompletedTask;

    internal FakeServerConnection(WebSocketConnectRequest request, InMemoryDuplexStream serverStream, InMemoryDuplexStream clientStream, string? subProtocol)
    {
        Request = request;
        _serverStream = serverStream;
        _clientStream = clientStream;
        _socket = WebSocket.CreateFromStream(
            serverStream,
            new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero, SubProtocol = subProtocol });
    }

    /// <summary>The connection request this connection answered.</summary>
    public WebSocketConnectRequest Request { get; }

    /// <summary>
    /// Called for each complete client message, on the receive loop, before the next one is read (so replies keep
    /// the order). Set it in <see cref="InMemoryWebSocketServer.OnAccepted"/> to be sure no message is missed.
    /// An exception it throws is recorded in <see cref="OnMessageFailures"/>; the loop goes on.
    /// </summary>
    public Func<ReceivedFrame, FakeServerConnection, ValueTask>? OnMessage { get; set; }

    /// <summary>Every complete message the client sent so far, in order.</summary>
    public IReadOnlyList<ReceivedFrame> Received
    {
        get { lock (_lock) { return _received.ToArray(); } }
    }

    /// <summary>Exceptions thrown by <see cref="OnMessage"/>.</summary>
    public IReadOnlyList<Exception> OnMessageFailures
    {
        get { lock (_lock) { return _onMessageFailures.ToArray(); } }
    }

    /// <summary>
    /// Completes when the receive loop ended: with the client's close status and description when the client sent a
    /// close frame, or (null, null) when the connection dropped (client abort or dispose, or <see cref="Abort"/>).
    /// Does not complete while the connection is silent (<see cref="GoSilent"/>); see <see cref="ClientDisconnected"/>.
    /// </summary>
    public Task<(WebSocketCloseStatus? Status, string? Description)> ClientClosed => _clientClosed.Task;

    /// <summary>Completes when the client's end of the transport was disposed (its socket aborted, disposed, or closed and disposed).</summary>
    public Task ClientDisconnected => _clientStream.Disposed;

    /// <summary>Whether the client's end of the transport has been disposed.</summary>
    public bool IsClientDisconnected => _clientStream.IsDisposed;

    /// <summary>Whether <see cref="GoSilent"/> was called.</summary>
    public bool IsSilent { get; private set; }

    /// <summary>The server socket's state.</summary>
    public WebSocketState State => _socket.State;

    /// <summary>Sends a text message.</summary>
    public Task SendTextAsync(string text, CancellationToken cancellationToken = default) =>
        SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>Sends a binary message.</summary>
    public Task SendBinaryAsync(byte[] bytes, CancellationToken cancellationToken = default) =>
        SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);

    /// <summary>Sends a text frame with arbitrary bytes (for example invalid UTF-8); the server does not validate them.</summary>
    public Task SendRawTextBytesAsync(byte[] bytes, CancellationToken cancellationToken = default) =>
        SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>Sends one message as several frames; only the last one ends the message.</summary>
    public async Task SendFragmentsAsync(WebSocketMessageType kind, params byte[][] fragments)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        ArgumentOutOfRangeException.ThrowIfZero(fragments.Length);
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            for (int i = 0; i < fragments.Length; i++)
            {
                await _socket.SendAsync(fragments[i], kind, endOfMessage: i == fragments.Length - 1, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Starts a server-initiated close: sends a close frame, then waits until the client answered with its own
    /// (or dropped the connection) and returns what the client sent. Cancelling only stops the wait.
    /// </summary>
    public async Task<(WebSocketCloseStatus? Status, string? Description)> CloseAsync(WebSocketCloseStatus status, string? description, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.CloseOutputAsync(status, description, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }

        return await ClientClosed.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="CloseAsync(WebSocketCloseStatus, string?, CancellationToken)"/>
    public Task<(WebSocketCloseStatus? Status, string? Description)> CloseAsync(int code, string? description, CancellationToken cancellationToken = default) =>
        CloseAsync((WebSocketCloseStatus)code, description, cancellationToken);

    /// <summary>Drops the "TCP connection" without a close frame: the client's pending and later reads fail with <see cref="WebSocketException"/>.</summary>
    public void Abort() => _socket.Abort();

    /// <summary>
    /// Stops reading and answering anything, for good: no pongs, no close replies, no recording. The client's writes
    /// still succeed and are buffered. <see cref="SendTextAsync"/> and friends still work.
    /// </summary>
    public void GoSilent()
    {
        IsSilent = true;
        _serverStream.Freeze();
    }

    /// <summary>
    /// From now on the client's writes block, as when the server stops reading and the TCP send buffer is full: the next
    /// write (a message, a heartbeat, a close frame) waits until <see cref="ReleaseClientWrites"/> or until the client
    /// aborts its socket. The server still sends and the client still receives.
    /// </summary>
    public void BlockClientWrites() => _clientStream.BlockWrites();

    /// <summary>Lets the client's blocked writes go through.</summary>
    public void ReleaseClientWrites() => _clientStream.ReleaseWrites();

    /// <summary>Completes when a client write is blocked by <see cref="BlockClientWrites"/>.</summary>
    public Task ClientWriteBlocked => _clientStream.WriteBlocked;

    /// <summary>From now on every client write fails (<see cref="IOException"/>), as on a socket that is dying: a message, a heartbeat or a close frame.</summary>
    public void FailClientWrites() => _clientStream.FailWrites();

    /// <summary>Returns the next message the client sent that this method has not returned yet (including ones received before the call).</summary>
    public async Task<ReceivedFrame> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _unread.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new InvalidOperationException("The connection ended without another message from the client.", ex);
        }
    }

    /// <summary>
    /// Completes when the client has sent at least <paramref name="count"/> messages in total; throws
    /// <see cref="InvalidOperationException"/> if the connection ends before that.
    /// </summary>
    public async Task WaitForReceivedCountAsync(int count, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_received.Count >= count)
                {
                    return;
                }

                if (_clientClosed.Task.IsCompleted)
                {
                    throw new InvalidOperationException($"The connection ended after {_received.Count} of the {count} expected messages.");
                }

                changed = _receivedChanged.Task;
            }

            await Task.WhenAny(changed, _clientClosed.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Drops the connection (like <see cref="Abort"/>) and waits for the receive loop to end (so an
    /// <see cref="OnMessage"/> hook that never returns would block this).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        await _receiveLoop.ConfigureAwait(false);
    }

    /// <summary>Starts the receive loop (after <see cref="InMemoryWebSocketServer.OnAccepted"/> ran).</summary>
    internal void Start() => _receiveLoop = Task.Run(ReceiveLoopAsync);

    private async Task SendAsync(ReadOnlyMemory<byte> bytes, WebSocketMessageType kind, bool endOfMessage, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, kind, endOfMessage, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var message = new ArrayBufferWriter<byte>();
        WebSocketCloseStatus? status = null;
        string? description = null;
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult result = await _socket.ReceiveAsync(message.GetMemory(4096), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    status = _socket.CloseStatus;
                    description = _socket.CloseStatusDescription;
                    await AnswerCloseAsync().ConfigureAwait(false);
                    break;
                }

                message.Advance(result.Count);
                if (result.EndOfMessage)
                {
                    var frame = new ReceivedFrame(result.MessageType, message.WrittenSpan.ToArray());
                    message.ResetWrittenCount();
                    await RecordAsync(frame).ConfigureAwait(false);
                }
            }
        }
        catch (Exception)
        {
            // The connection dropped: the client aborted or disposed its socket, or the server side was aborted.
        }
        finally
        {
            // A real server closes the TCP connection once the close handshake is done; the client waits for that.
            _socket.Abort();
            _unread.Writer.TryComplete();
            _clientClosed.TrySetResult((status, description));
        }
    }

    private async Task AnswerCloseAsync()
    {
        if (_socket.State != WebSocketState.CloseReceived)
        {
            return; // the server started the close: the handshake is complete
        }

        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            // Echo the client's status, as servers usually do (a close without a status is answered without one).
            WebSocketCloseStatus status = _socket.CloseStatus ?? WebSocketCloseStatus.Empty;
            string? description = status == WebSocketCloseStatus.Empty ? null : _socket.CloseStatusDescription;
            await _socket.CloseOutputAsync(status, description, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task RecordAsync(ReceivedFrame frame)
    {
        lock (_lock)
        {
            _received.Add(frame);
            _unread.Writer.TryWrite(frame);
            _receivedChanged.TrySetResult();
            _receivedChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        if (OnMessage is { } onMessage)
        {
            try
            {
                await onMessage(frame, this).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                lock (_lock)
                {
                    _onMessageFailures.Add(ex);
                }
            }
        }
    }
}
