// samples/WorkerService/ChatProtocol.cs
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WorkerService;

// The payloads of the sample chat protocol (docs/protocol.md) this worker reads and writes.
public sealed record AuthRequest(string Token);

public sealed record ChatText(string Text);

public sealed record ChatUser(string Id, string Username);

public sealed record ChatMessage(string Id, ChatUser Sender, string Text);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AuthRequest))]
[JsonSerializable(typeof(ChatText))]
[JsonSerializable(typeof(ChatMessage))]
public sealed partial class ChatJson : JsonSerializerContext;
