using System.Net.WebSockets;
using System.Text;

namespace RealtimeClient.Testing;

/// <summary>One complete message the client sent (assembled from its fragments), as the fake server saw it.</summary>
/// <param name="Kind">Text or binary.</param>
/// <param name="Bytes">The payload.</param>
public sealed record ReceivedFrame(WebSocketMessageType Kind, byte[] Bytes)
{
    /// <summary>The payload decoded as UTF-8 for a text message; null for binary.</summary>
    public string? Text => Kind == WebSocketMessageType.Text ? Encoding.UTF8.GetString(Bytes) : null;

    /// <inheritdoc />
    public override string ToString() => Kind == WebSocketMessageType.Text ? $"Text: {Text}" : $"Binary: {Convert.ToHexString(Bytes)}";
}
