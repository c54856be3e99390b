using System.Buffers;
using System.Net.WebSockets;

namespace EchoServer;

/// <summary>One connection: receive a whole message, echo it (or run a tick burst or stream), repeat until close.</summary>
internal static class EchoLoop
{
    private const int InitialBufferSize = 8 * 1024;
    private const int MaxMessageSize = 16 * 1024 * 1024;

    public static async Task RunAsync(WebSocket socket, CancellationToken stopping)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        try
        {
            while (true)
            {
                int count = 0;
                ValueWebSocketReceiveResult result;
                while (true)
                {
                    if (count == buffer.Length)
                    {
                        if (buffer.Length >= MaxMessageSize)
                        {
                            await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "too big", stopping);
                            return;
                        }

                        byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, count).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(count), stopping);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, stopping);
                        return;
                    }

                    count += result.Count;
                    if (result.EndOfMessage)
                    {
                        break;
                    }
                }

                if (result.MessageType == WebSocketMessageType.Text && ServerRequest.TryParse(buffer.AsSpan(0, count), out var request))
                {
                    // Inline: the connection echoes nothing else until the burst or stream has been sent.
                    await (request.Kind == RequestKind.Burst
                        ? TickBurst.SendAsync(socket, request.Count, request.Size, stopping)
                        : TickStream.SendAsync(socket, request.Count, request.Size, request.Rate, stopping));
                }
                else
                {
                    await socket.SendAsync(buffer.AsMemory(0, count), result.MessageType, endOfMessage: true, stopping);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (WebSocketException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
