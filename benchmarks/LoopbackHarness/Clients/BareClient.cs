using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace LoopbackHarness.Clients;

/// <summary>
/// The baseline: what a careful hand-written <see cref="ClientWebSocket"/> client does. One receive loop with a
/// reused pooled buffer (grown to assemble fragments), text decoded to a string with <see cref="Encoding.UTF8"/>
/// (the same thing the library hands its subscribers), ticks deserialised with System.Text.Json source-generated
/// metadata; sends encode into one reused pooled buffer and use the <see cref="ValueTask"/> overload.
/// No reconnect.
/// </summary>
internal sealed class BareClient : IClientUnderTest
{
    private const int InitialReceiveBuffer = 4096;

    private readonly ClientWebSocket _socket = new();
    private readonly ClientRequest _request;
    private readonly CancellationTokenSource _stop = new();
    private byte[] _sendBuffer = [];
    private Task _receiveLoop = Task.CompletedTask;
    private volatile bool _disposing;
    private bool _disposed;

    public BareClient(ClientRequest request) => _request = request;

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await _socket.ConnectAsync(_request.Uri, cancellationToken);
        _receiveLoop = ReceiveLoopAsync();
    }

    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (_sendBuffer.Length < max)
        {
            if (_sendBuffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_sendBuffer);
            }

            _sendBuffer = ArrayPool<byte>.Shared.Rent(max);
        }

        int length = Encoding.UTF8.GetBytes(text, _sendBuffer);
        return _socket.SendAsync(_sendBuffer.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
    }

    private async Task ReceiveLoopAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
        var sink = _request.Sink;
        try
        {
            while (true)
            {
                int count = 0;
                ValueWebSocketReceiveResult result;
                while (true)
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        if (!_disposing)
                        {
                            sink.OnFault(new WebSocketException("The server closed the connection."));
                        }

                        return;
                    }

                    count += result.Count;
                    if (result.EndOfMessage)
                    {
                        break;
                    }

                    if (count == buffer.Length)
                    {
                        byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, count).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }

                switch (_request.Mode)
                {
                    case ReceiveMode.Text:
                        sink.OnText(Encoding.UTF8.GetString(buffer, 0, count));
                        break;
                    case ReceiveMode.Ticks:
                        var envelope = JsonSerializer.Deserialize(buffer.AsSpan(0, count), HarnessJsonContext.Default.TickEnvelope);
                        if (envelope is { Type: "tick", Data: { } tick })
                        {
                            sink.OnTick(tick);
                        }

                        break;
                    default:
                        sink.OnRawMessage(count);
                        break;
                }
            }
        }
        catch (Exception e) when (!_disposing)
        {
            sink.OnFault(e);
        }
        catch (Exception)
        {
            // Expected while disposing.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _disposing = true;
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                await _receiveLoop.WaitAsync(timeout.Token);   // the server answers the close
            }
        }
        catch (Exception)
        {
            // Server gone or slow: abort below.
        }

        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _receiveLoop;
        }
        catch (Exception)
        {
        }

        _stop.Dispose();
        if (_sendBuffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_sendBuffer);
            _sendBuffer = [];
        }
    }
}
