using System.Net.WebSockets;

namespace EchoServer;

/// <summary>
/// The server-driven load of the streaming row: N tick envelopes of about S bytes at R a second on this connection,
/// paced by a <see cref="PeriodicTimer"/> (one message per tick; ticks missed under load are not made up, so the
/// count is exact and the duration stretches instead). Connections start when their request arrives, so a thousand
/// of them spread their sends over the period instead of sending in step.
/// </summary>
internal static class TickStream
{
    public static async Task SendAsync(WebSocket socket, int count, int size, int rate, CancellationToken ct)
    {
        var message = new TickMessage(size);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / rate));
        for (int i = 0; i < count; i++)
        {
            await timer.WaitForNextTickAsync(ct);
            message.SetSequence(i);
            await socket.SendAsync(message.Bytes, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
    }
}
