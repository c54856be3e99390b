using System.Text.Json;

namespace RealtimeClient.FaultTests.Server;

/// <summary>What <see cref="FaultServer"/> reads from a text frame of the chat protocol: its type, id and chat text.</summary>
internal readonly record struct ChatFrame(string? Type, string? Id, string? Text)
{
    /// <summary>Reads the frame; a frame that is not a JSON object yields all three as <see langword="null"/>.</summary>
    public static ChatFrame Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            string? type = null, id = null, text = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    type = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    id = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("data"u8))
                {
                    reader.Read();
                    text = reader.TokenType == JsonTokenType.StartObject ? ReadText(ref reader) : SkipValue(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return new ChatFrame(type, id, text);
        }
        catch (JsonException)
        {
            return default; // not JSON: recorded with its raw text
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    private static string? ReadText(ref Utf8JsonReader reader)
    {
        string? text = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("text"u8))
            {
                text = ReadString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return text;
    }

    private static string? SkipValue(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }
}
