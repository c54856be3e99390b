using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using RealtimeClient.Serialization;

namespace RealtimeClient.Tests.Serialization;

/// <summary>The default payload serializer: source-generated metadata first, reflection only as the default.</summary>
public class SystemTextJsonSerializerTests
{
    private static string Serialize<T>(IPayloadSerializer serializer, T value)
    {
        var output = new ArrayBufferWriter<byte>();
        serializer.Serialize(output, value);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void A_source_generated_context_round_trips_with_web_defaults()
    {
        var serializer = new SystemTextJsonSerializer(TestJsonContext.Default);

        Assert.Equal("""{"user":"ann","onlineCount":2}""", Serialize(serializer, new Presence("ann", 2)));
        Assert.Equal(new Presence("bob", 3), serializer.Deserialize<Presence>("""{"USER":"bob","onlineCount":3}"""u8.ToArray()));
        Assert.True(serializer.Options.IsReadOnly);
    }

    [Fact]
    public void A_source_generated_context_knows_only_its_own_types()
    {
        // What a trimmed or AOT app sees for a type it forgot to list: a clear exception, never a silent reflection fallback.
        var serializer = new SystemTextJsonSerializer(TestJsonContext.Default);

        Assert.Throws<NotSupportedException>(() => Serialize(serializer, new Unlisted(1)));
        Assert.Throws<NotSupportedException>(() => serializer.Deserialize<Unlisted>("""{"x":1}"""u8.ToArray()));
    }

    [Fact]
    public void The_default_uses_web_defaults_and_reflection_for_any_type()
    {
        var serializer = SystemTextJsonSerializer.Default;

        Assert.Equal("""{"x":1}""", Serialize(serializer, new Unlisted(1)));
        Assert.Equal(new Unlisted(5), serializer.Deserialize<Unlisted>("""{"X":5}"""u8.ToArray()));
        Assert.Same(SystemTextJsonSerializer.Default, SystemTextJsonSerializer.Default);
    }

    [Fact]
    public void Options_without_a_resolver_get_the_reflection_one_and_are_made_read_only()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

        var serializer = new SystemTextJsonSerializer(options);

        Assert.Same(options, serializer.Options);
        Assert.True(options.IsReadOnly);
        Assert.NotNull(options.TypeInfoResolver);
        Assert.Equal("""{"online_count":2,"user":"u"}""", Serialize(serializer, new PresenceSnake(2, "u")));
    }

    [Fact]
    public void Read_only_options_are_used_as_they_are()
    {
        var options = new JsonSerializerOptions(TestJsonContext.Default.Options);
        options.MakeReadOnly();

        var serializer = new SystemTextJsonSerializer(options);

        Assert.Same(options, serializer.Options);
        Assert.Equal("""{"n":4}""", Serialize(serializer, new Seq(4)));
    }

    [Fact]
    public void Serialize_appends_exactly_one_value_to_what_the_output_holds()
    {
        var serializer = new SystemTextJsonSerializer(TestJsonContext.Default);
        var output = new ArrayBufferWriter<byte>();
        output.Write("a:"u8);
        serializer.Serialize(output, new Seq(1));
        output.Write(",b:"u8);
        serializer.Serialize<ChatMessage?>(output, null);

        Assert.Equal("""a:{"n":1},b:null""", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Each_serializer_escapes_with_its_own_encoder_even_on_a_thread_another_one_used_first()
    {
        var strict = new SystemTextJsonSerializer(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var relaxed = new SystemTextJsonSerializer(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("\"\\u003Cb\\u003E\"", Serialize(strict, "<b>"));
            Assert.Equal("\"<b>\"", Serialize(relaxed, "<b>"));
        }
    }

    [Fact]
    public void A_converter_that_serializes_again_inside_gets_a_writer_of_its_own()
    {
        var inner = new SystemTextJsonSerializer(TestJsonContext.Default);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new EmbeddingConverter(inner) } };
        var outer = new SystemTextJsonSerializer(options);

        Assert.Equal("""{"embedded":"{\u0022n\u0022:1}"}""", Serialize(outer, new Embedding(new Seq(1))));
    }

    [Fact]
    public void A_payload_that_does_not_fit_the_type_throws_for_the_dispatcher_to_report()
    {
        var serializer = new SystemTextJsonSerializer(TestJsonContext.Default);

        Assert.ThrowsAny<JsonException>(() => serializer.Deserialize<Seq>("""{"n":"x"}"""u8.ToArray()));
        Assert.Null(serializer.Deserialize<Seq>("null"u8.ToArray()));
    }

    public sealed record Unlisted(int X);

    public sealed record PresenceSnake(int OnlineCount, string User);

    public sealed record Embedding(Seq Inner);

    // Writes its value's JSON as a string, produced by another serializer while the outer writer is in use.
    private sealed class EmbeddingConverter(IPayloadSerializer inner) : JsonConverter<Embedding>
    {
        public override Embedding Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, Embedding value, JsonSerializerOptions options)
        {
            var nested = new ArrayBufferWriter<byte>();
            inner.Serialize(nested, value.Inner);
            writer.WriteStartObject();
            writer.WriteString("embedded", Encoding.UTF8.GetString(nested.WrittenSpan));
            writer.WriteEndObject();
        }
    }
}
