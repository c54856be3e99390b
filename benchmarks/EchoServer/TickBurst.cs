using System.Net.WebSockets;

namespace EchoServer;

/// <summary>The typed-receive load: N tick envelopes of about S bytes, back to back, one send at a time.</summary>
internal static class TickBurst
{
    public static async Task SendAsync(WebSocket socket, int count, int size, CancellationToken ct)
    {
        var message = new TickMessage(size);
        for (int i = 0; i < count; i++)
        {
            message.SetSequence(i);
            await socket.SendAsync(message.Bytes, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
    }
}
