using System.Net.WebSockets;
using System.Text;

namespace RealtimeClient.InteropTests.Client;

/// <summary>One whole message as a bare ClientWebSocket received it, or the close frame.</summary>
/// <param name="ChunkSizes">The size of each read: a read never spans two frames, so there are at least as many reads as frames.</param>
public sealed record ReceivedMessage(
    WebSocketMessageType Type,
    byte[] Data,
    IReadOnlyList<int> ChunkSizes,
    WebSocketCloseStatus? CloseStatus = null,
    string? CloseDescription = null)
{
    public string Text => Encoding.UTF8.GetString(Data);

    public override string ToString() => Type switch
    {
        WebSocketMessageType.Close => $"close {(int?)CloseStatus} \"{CloseDescription}\"",
        WebSocketMessageType.Text => $"text ({Data.Length} bytes) {(Data.Length <= 200 ? Text : "")}",
        _ => $"binary ({Data.Length} bytes)",
    };
}
