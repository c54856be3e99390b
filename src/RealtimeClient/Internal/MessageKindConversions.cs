using System.Net.WebSockets;

namespace RealtimeClient.Internal;

/// <summary>The one place <see cref="MessageKind"/> and <see cref="WebSocketMessageType"/> are translated.</summary>
internal static class MessageKindConversions
{
    public static WebSocketMessageType ToWebSocket(this MessageKind kind) =>
        kind == MessageKind.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;

    public static MessageKind ToMessageKind(this WebSocketMessageType type) =>
        type == WebSocketMessageType.Text ? MessageKind.Text : MessageKind.Binary;
}
