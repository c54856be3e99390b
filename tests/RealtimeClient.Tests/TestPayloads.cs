using System.Text.Json;
using System.Text.Json.Serialization;

namespace RealtimeClient.Tests;

// Payload types shared by the serialization, dispatch, stream and inbound tests, with their source-generated context.
public sealed record ChatMessage(string Id, string Text);

public sealed record Presence(string User, int OnlineCount);

public sealed record Seq(int N);

public sealed record Tick(int Seq);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(Presence))]
[JsonSerializable(typeof(Seq))]
[JsonSerializable(typeof(Tick))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class TestJsonContext : JsonSerializerContext;
