using System.Buffers;
using System.Text.Json;
using MessagePack;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.MessagePackCodec;

// Payloads of the MessagePack tests: attributed for the standard resolver, with string keys (maps on the wire).
[MessagePackObject]
public sealed record MpChat([property: Key("id")] string Id, [property: Key("text")] string Text);

[MessagePackObject]
public sealed record MpPresence([property: Key("user")] string User, [property: Key("online")] int Online);

/// <summary>What a MessagePack server writes and reads in the tests.</summary>
internal static class Mp
{
    /// <summary>One MessagePack value: maps from dictionaries, with primitives, arrays and nested maps inside.</summary>
    public static byte[] Pack(object? value) => MessagePackSerializer.Serialize(value);

    /// <summary>An envelope map with the given entries, in the given order.</summary>
    public static byte[] Envelope(params (string Key, object? Value)[] entries)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(entries.Length);
        foreach (var (key, value) in entries)
        {
            writer.Write(key);
            writer.WriteRaw(Pack(value));
        }

        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>A MessagePack value as JSON text, for assertions.</summary>
    public static string Json(ReadOnlyMemory<byte> bytes) => MessagePackSerializer.ConvertToJson(bytes);

    /// <summary>The id of an envelope the client sent.</summary>
    public static string IdOf(ReceivedFrame frame) => JsonDocument.Parse(Json(frame.Bytes)).RootElement.GetProperty("id").GetString()!;

    public static Dictionary<string, object?> Map(params (string Key, object? Value)[] entries) => entries.ToDictionary(e => e.Key, e => e.Value);
}
