using System.Text.Json.Serialization;

namespace ConsoleChat.Client;

// The payloads of docs/protocol.md that the client reads and writes.
internal sealed record AuthRequest([property: JsonPropertyName("token")] string Token);

internal sealed record ChatText([property: JsonPropertyName("text")] string Text);

internal sealed record ChatUserInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("username")] string Username);

internal sealed record ChatMessage(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("sender")] ChatUserInfo Sender,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("timestamp")] long Timestamp);

internal sealed record Presence(
    [property: JsonPropertyName("user")] ChatUserInfo User,
    [property: JsonPropertyName("online_count")] int OnlineCount);

internal sealed record AuthSuccess(
    [property: JsonPropertyName("user")] ChatUserInfo User,
    [property: JsonPropertyName("online_count")] int OnlineCount);

/// <summary>The whole server frame, for the fields outside <c>data</c> (<c>code</c>, <c>message</c>).</summary>
internal sealed record ServerFrame(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("code")] int? Code,
    [property: JsonPropertyName("message")] string? Message);

[JsonSerializable(typeof(AuthRequest))]
[JsonSerializable(typeof(ChatText))]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(Presence))]
[JsonSerializable(typeof(AuthSuccess))]
[JsonSerializable(typeof(ServerFrame))]
internal sealed partial class ChatJson : JsonSerializerContext;
