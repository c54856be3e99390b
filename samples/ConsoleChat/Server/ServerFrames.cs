using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ConsoleChat.Server;

/// <summary>
/// Builds the server-to-client frames of docs/protocol.md, in the envelope shape
/// <c>{ type, data?, code, message, timestamp, id? }</c>. <c>data</c> is left out when a type has none;
/// <c>id</c> is present on <c>ack</c>, and on <c>error</c>/<c>auth_failed</c> that answer a client message carrying an id.
/// Each frame is serialised once to UTF-8 and can be shared by every connection it is sent to.
/// </summary>
internal static class ServerFrames
{
    internal const int Ok = 200;
    internal const int BadRequest = 400;
    internal const int Unauthenticated = 401;
    internal const int Conflict = 409;
    internal const int ServerError = 500;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The frames are JSON for programs, never embedded in HTML: keep non-ASCII text readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    public static byte[] System(string connectionId, long timestamp)
    {
        using var frame = new FrameBuilder("system");
        var json = frame.Json;
        json.WriteStartObject("data");
        json.WriteString("connection_id", connectionId);
        json.WriteNumber("timestamp", timestamp);
        json.WriteEndObject();
        return frame.Finish(Ok, "connected, please authenticate", timestamp, id: null);
    }

    public static byte[] AuthSuccess(ChatUser user, int onlineCount, long timestamp)
    {
        using var frame = new FrameBuilder("auth_success");
        var json = frame.Json;
        json.WriteStartObject("data");
        WriteUser(json, user);
        json.WriteNumber("online_count", onlineCount);
        json.WriteEndObject();
        return frame.Finish(Ok, "authenticated", timestamp, id: null);
    }

    public static byte[] AuthFailed(long timestamp, string? id)
    {
        using var frame = new FrameBuilder("auth_failed");
        return frame.Finish(Unauthenticated, "invalid token", timestamp, id);
    }

    public static byte[] Kicked(long timestamp)
    {
        using var frame = new FrameBuilder("kicked");
        return frame.Finish(Conflict, "the same user logged in on another connection", timestamp, id: null);
    }

    public static byte[] Presence(string type, ChatUser user, int onlineCount, long timestamp)
    {
        using var frame = new FrameBuilder(type);
        var json = frame.Json;
        json.WriteStartObject("data");
        WriteUser(json, user);
        json.WriteNumber("online_count", onlineCount);
        json.WriteNumber("timestamp", timestamp);
        json.WriteEndObject();
        return frame.Finish(Ok, type == "user_online" ? "user online" : "user offline", timestamp, id: null);
    }

    public static byte[] Message(string messageId, ChatUser sender, string text, long timestamp)
    {
        using var frame = new FrameBuilder("message");
        var json = frame.Json;
        json.WriteStartObject("data");
        json.WriteString("id", messageId);
        json.WritePropertyName("sender");
        WriteUserObject(json, sender);
        json.WriteString("text", text);
        json.WriteNumber("timestamp", timestamp);
        json.WriteEndObject();
        return frame.Finish(Ok, "message", timestamp, id: null);
    }

    public static byte[] Heartbeat(long timestamp)
    {
        using var frame = new FrameBuilder("heartbeat");
        return frame.Finish(Ok, "pong", timestamp, id: null);
    }

    public static byte[] Ack(string id, long timestamp)
    {
        using var frame = new FrameBuilder("ack");
        return frame.Finish(Ok, "accepted", timestamp, id);
    }

    public static byte[] Error(int code, string message, long timestamp, string? id)
    {
        using var frame = new FrameBuilder("error");
        return frame.Finish(code, message, timestamp, id);
    }

    private static void WriteUser(Utf8JsonWriter json, ChatUser user)
    {
        json.WritePropertyName("user");
        WriteUserObject(json, user);
    }

    private static void WriteUserObject(Utf8JsonWriter json, ChatUser user)
    {
        json.WriteStartObject();
        json.WriteString("id", user.Id);
        json.WriteString("username", user.Username);
        json.WriteEndObject();
    }

    private readonly struct FrameBuilder : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer;

        public FrameBuilder(string type)
        {
            _buffer = new ArrayBufferWriter<byte>(256);
            Json = new Utf8JsonWriter(_buffer, WriterOptions);
            Json.WriteStartObject();
            Json.WriteString("type", type);
        }

        public Utf8JsonWriter Json { get; }

        public byte[] Finish(int code, string message, long timestamp, string? id)
        {
            Json.WriteNumber("code", code);
            Json.WriteString("message", message);
            Json.WriteNumber("timestamp", timestamp);
            if (id is not null)
            {
                Json.WriteString("id", id);
            }

            Json.WriteEndObject();
            Json.Flush();
            return _buffer.WrittenSpan.ToArray();
        }

        public void Dispose() => Json.Dispose();
    }
}
