using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace RealtimeClient.FaultTests.Server;

/// <summary>
/// One WebSocket connection of <see cref="FaultServer"/>: records every data message, acknowledges those with an id,
/// answers heartbeats, and closes with a given code on command. Writes are serialised by a lock.
/// </summary>
internal sealed class ServerConnection
{
    private const int MaxMessageSize = 1024 * 1024;
    private static readonly TimeSpan CloseBound = TimeSpan.FromSeconds(2);
    private static readonly byte[] Pong = """{"type":"heartbeat","message":"pong"}"""u8.ToArray();

    private readonly WebSocket _socket;
    private readonly ReceivedLog _log;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ServerConnection(int number, string path, WebSocket socket, ReceivedLog log)
    {
        Number = number;
        Path = path;
        _socket = socket;
        _log = log;
    }

    public int Number { get; }

    /// <summary>The request path of the handshake (lets a test aim at its own connections on a shared server).</summary>
    public string Path { get; }

    /// <summary>Completes when <see cref="RunAsync"/> has ended.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Receives until the client closes, the socket fails, or <paramref name="stopping"/> fires.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            // Bounded by the socket: every message read moves towards the client's close, a failure or the server's stop.
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), stopping).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await AnswerCloseAsync().ConfigureAwait(false);
                    return;
                }

                if (message.WrittenCount + result.Count > MaxMessageSize)
                {
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, "too big").ConfigureAwait(false);
                    message.Clear();
                    continue;
                }

                message.Write(buffer.AsSpan(0, result.Count));
                if (result.EndOfMessage)
                {
                    await HandleAsync(result.MessageType, message.WrittenMemory, stopping).ConfigureAwait(false);
                    message.Clear();
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The client vanished (reset, cut mid-frame), or the server is stopping: the connection is over.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _socket.Abort();
            _ended.TrySetResult();
        }
    }

    /// <summary>Sends a close frame with <paramref name="status"/>; the socket is aborted if the client has not closed within 2 s.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        await _write.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var bound = new CancellationTokenSource(CloseBound);
                await _socket.CloseOutputAsync(status, description, bound.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            _socket.Abort(); // the close frame could not go out: end it the hard way
            return;
        }
        finally
        {
            _write.Release();
        }

        _ = AbortUnlessClosedAsync();
    }

    public void Abort() => _socket.Abort();

    private async Task AbortUnlessClosedAsync()
    {
        await Task.Delay(CloseBound).ConfigureAwait(false);
        if (_socket.State != WebSocketState.Closed)
        {
            _socket.Abort();
        }
    }

    private async Task AnswerCloseAsync()
    {
        await _write.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State == WebSocketState.CloseReceived)
            {
                using var bound = new CancellationTokenSource(CloseBound);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, bound.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            _write.Release();
        }
    }

    private async Task HandleAsync(WebSocketMessageType type, ReadOnlyMemory<byte> utf8, CancellationToken stopping)
    {
        if (type != WebSocketMessageType.Text)
        {
            _log.Record(Number, null, $"<binary {utf8.Length} bytes>");
            return;
        }

        var frame = ChatFrame.Parse(utf8.Span);
        if (frame.Type == "heartbeat")
        {
            await WriteAsync(Pong, stopping).ConfigureAwait(false);
            return;
        }

        _log.Record(Number, frame.Id, frame.Text ?? Encoding.UTF8.GetString(utf8.Span));
        if (frame.Id is { } id)
        {
            // Acknowledged again when repeated: the first ack may have been lost with the previous connection.
            await WriteAsync(Encoding.UTF8.GetBytes($$"""{"type":"ack","id":{{System.Text.Json.JsonSerializer.Serialize(id)}}}"""), stopping).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(byte[] utf8, CancellationToken stopping)
    {
        await _write.WaitAsync(stopping).ConfigureAwait(false);
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.SendAsync(utf8, WebSocketMessageType.Text, endOfMessage: true, stopping).ConfigureAwait(false);
            }

            // Otherwise the server has sent its close: no ack can follow, and the client will resend.
        }
        finally
        {
            _write.Release();
        }
    }
}
