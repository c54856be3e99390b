using System.Text;
using System.Text.Json;
using RealtimeClient.Outbox;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Outbox;

/// <summary>What the outbox tests read from and answer to the in-memory server.</summary>
internal static class Frames
{
    public sealed record Line(string Text);

    /// <summary>The envelope id of a received frame.</summary>
    public static string IdOf(ReceivedFrame frame) => JsonDocument.Parse(frame.Bytes).RootElement.GetProperty("id").GetString()!;

    /// <summary>The text of a <c>line</c> envelope.</summary>
    public static string TextOf(ReceivedFrame frame) => JsonDocument.Parse(frame.Bytes).RootElement.GetProperty("data").GetProperty("text").GetString()!;

    /// <summary>The text of a <c>line</c> envelope as the outbox kept it.</summary>
    public static string TextOf(OutboxEntry entry) => JsonDocument.Parse(entry.Payload).RootElement.GetProperty("data").GetProperty("text").GetString()!;

    public static Task AckAsync(this FakeServerConnection server, string id) => server.SendTextAsync($"{{\"type\":\"ack\",\"id\":\"{id}\"}}");

    public static Task RefuseAsync(this FakeServerConnection server, string id, string code, string message) =>
        server.SendTextAsync($"{{\"type\":\"error\",\"id\":\"{id}\",\"code\":\"{code}\",\"message\":\"{message}\"}}");

    /// <summary>Receives the next frame and acknowledges it; returns it.</summary>
    public static async Task<ReceivedFrame> ReceiveAndAckAsync(this FakeServerConnection server)
    {
        var frame = await server.ReceiveAsync().Safe();
        await server.AckAsync(IdOf(frame));
        return frame;
    }

    /// <summary>An entry left pending by an earlier run: a <c>line</c> envelope with its id, as the library encodes it.</summary>
    public static OutboxEntry Earlier(string id, string text) =>
        new(id, MessageKind.Text, Encoding.UTF8.GetBytes($"{{\"type\":\"line\",\"id\":\"{id}\",\"data\":{{\"text\":\"{text}\"}}}}"), VirtualClock.DefaultStart.AddHours(-1));
}
