using System.Buffers;
using System.Text;
using System.Text.Json;
using RealtimeClient.Codec;

namespace RealtimeClient.Tests.Dispatch;

public class JsonEnvelopeCodecTests
{
    private static readonly JsonEnvelopeCodec Codec = new();

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void TryReadHeader_reads_the_top_level_type_and_id()
    {
        Assert.True(Codec.TryReadHeader(Utf8("""{"type":"ack","id":"c-1"}"""), out var type, out var id));
        Assert.Equal("ack", type);
        Assert.Equal("c-1", id);
    }

    [Fact]
    public void TryReadHeader_ignores_nested_ids_and_unescapes()
    {
        var json = """{"data":{"id":"inner","type":"x"},"t\u0079pe":"a\"ck\u00e9","id":"c\\1"}""";
        Assert.True(Codec.TryReadHeader(Utf8(json), out var type, out var id));
        Assert.Equal("a\"cké", type);
        Assert.Equal("c\\1", id);
    }

    [Theory]
    [InlineData("""[{"type":"ack"}]""")]
    [InlineData("\"ack\"")]
    [InlineData("""{"type":""")]
    [InlineData("")]
    [InlineData("not json")]
    public void TryReadHeader_is_false_for_anything_but_an_object(string text)
    {
        Assert.False(Codec.TryReadHeader(Utf8(text), out var type, out var id));
        Assert.Null(type);
        Assert.Null(id);
    }

    [Fact]
    public void TryReadHeader_reports_absent_or_non_string_values_as_null()
    {
        Assert.True(Codec.TryReadHeader(Utf8("""{"type":5,"data":{}}"""), out var type, out var id));
        Assert.Null(type);
        Assert.Null(id);
    }

    [Fact]
    public void TryReadHeader_returns_one_cached_instance_per_type_name()
    {
        Assert.True(Codec.TryReadHeader(Utf8("""{"type":"user_online"}"""), out var first, out _));
        Assert.True(Codec.TryReadHeader(Utf8("""{"id":"x","type":"user_online"}"""), out var second, out _));
        Assert.Same(first, second);
    }

    [Theory]
    [InlineData("""{"type":"message","data":{"id":"m-1","text":"hi"}}""", "data.id", "m-1")]
    [InlineData("""{"type":"message","data":{"text":"hi","id":42}}""", "data.id", "42")]
    [InlineData("""{"a":{"b":{"c":"deep"}},"x":1}""", "a.b.c", "deep")]
    [InlineData("""{"id":"top"}""", "id", "top")]
    public void TryReadString_follows_a_dotted_path(string json, string path, string expected)
    {
        Assert.True(Codec.TryReadString(Utf8(json), path, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("""{"type":"message","data":{"text":"hi"}}""", "data.id")]
    [InlineData("""{"type":"message","data":"str"}""", "data.id")]
    [InlineData("""{"data":{"id":{"nested":1}}}""", "data.id")]
    [InlineData("""[1]""", "data.id")]
    [InlineData("""{"data":""", "data.id")]
    public void TryReadString_is_false_when_the_path_does_not_end_at_a_string_or_number(string json, string path)
    {
        Assert.False(Codec.TryReadString(Utf8(json), path, out var value));
        Assert.Null(value);
    }

    [Fact]
    public void TryReadEnvelope_locates_the_payload()
    {
        var json = Utf8("""{ "type" : "message", "data" : {"id":"m-1","text":"hi"} , "timestamp": 1}""");
        Assert.True(Codec.TryReadEnvelope(json, out var header, out var failure));
        Assert.Null(failure);
        Assert.Equal("message", header.Type);
        Assert.Null(header.Id);
        Assert.True(header.HasData);
        Assert.Equal("""{"id":"m-1","text":"hi"}""", Encoding.UTF8.GetString(json, header.DataOffset, header.DataLength));
        var payload = Codec.ReadPayload(json.AsSpan(header.DataOffset, header.DataLength), DispatchJsonContext.Default.ChatMessage);
        Assert.Equal(new ChatMessage("m-1", "hi"), payload);
    }

    [Theory]
    [InlineData("""[1,2]""", "not a JSON object")]
    [InlineData("""{"data":{}}""", "no 'type' property")]
    [InlineData("""{"type":{"a":1}}""", "not a string")]
    public void TryReadEnvelope_explains_what_is_not_an_envelope(string json, string expected)
    {
        Assert.False(Codec.TryReadEnvelope(Utf8(json), out _, out var failure));
        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"x",""")]
    [InlineData("""{"type":"x"} trailing""")]
    [InlineData("""{"type":"x","data":{"a":}}""")]
    public void TryReadEnvelope_throws_JsonException_for_malformed_json(string json)
    {
        Assert.ThrowsAny<JsonException>(() => Codec.TryReadEnvelope(Utf8(json), out _, out _));
    }

    [Fact]
    public void WriteEnvelope_writes_type_id_and_data_with_escaping()
    {
        var output = new ArrayBufferWriter<byte>();
        Codec.WriteEnvelope(output, "say \"hi\" é", new ChatMessage("m-1", "line\nbreak </script>"), DispatchJsonContext.Default.ChatMessage, "c-\"1\"");
        var text = Encoding.UTF8.GetString(output.WrittenSpan);

        using var doc = JsonDocument.Parse(text);
        Assert.Equal("say \"hi\" é", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal("c-\"1\"", doc.RootElement.GetProperty("id").GetString());
        Assert.Equal("line\nbreak </script>", doc.RootElement.GetProperty("data").GetProperty("text").GetString());
        Assert.StartsWith("{\"type\":", text, StringComparison.Ordinal);

        // It reads back.
        Assert.True(Codec.TryReadEnvelope(output.WrittenSpan, out var header, out _));
        Assert.Equal("say \"hi\" é", header.Type);
        Assert.Equal("c-\"1\"", header.Id);
        Assert.Equal(new ChatMessage("m-1", "line\nbreak </script>"), Codec.ReadPayload(output.WrittenSpan.Slice(header.DataOffset, header.DataLength), DispatchJsonContext.Default.ChatMessage));
    }

    [Fact]
    public void WriteEnvelope_omits_a_null_id_and_can_be_called_repeatedly()
    {
        for (var i = 0; i < 3; i++)
        {
            var output = new ArrayBufferWriter<byte>();
            Codec.WriteEnvelope(output, "message", new Seq(i), DispatchJsonContext.Default.Seq, id: null);
            Assert.Equal($$$"""{"type":"message","data":{"n":{{{i}}}}}""", Encoding.UTF8.GetString(output.WrittenSpan));
        }
    }

    [Theory]
    [InlineData("""{"type":"message","data":{"text":"hi"}}""", """{"id":"ID","type":"message","data":{"text":"hi"}}""")]
    [InlineData("""{}""", """{"id":"ID"}""")]
    [InlineData("""  { }  """, """  {"id":"ID" }  """)]
    [InlineData(""" {"a" : 1 } """, """ {"id":"ID","a" : 1 } """)]
    [InlineData("""{"data":{"id":"nested is fine"}}""", """{"id":"ID","data":{"id":"nested is fine"}}""")]
    public void TryAttachId_inserts_the_id_and_keeps_the_rest_byte_for_byte(string json, string expected)
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.True(Codec.TryAttachId(Utf8(json), "ID", output));
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void TryAttachId_escapes_the_id()
    {
        var output = new ArrayBufferWriter<byte>();
        const string id = "a\"b\\c\n<é>";
        Assert.True(Codec.TryAttachId(Utf8("""{"type":"message"}"""), id, output));
        using var doc = JsonDocument.Parse(output.WrittenMemory);
        Assert.Equal(id, doc.RootElement.GetProperty("id").GetString());
        Assert.Equal("message", doc.RootElement.GetProperty("type").GetString());
        Assert.True(Codec.TryReadHeader(output.WrittenSpan, out _, out var read));
        Assert.Equal(id, read);
    }

    [Theory]
    [InlineData("""{"type":"message","id":"mine"}""")]
    [InlineData("""{"\u0069d":"escaped name"}""")]
    [InlineData("""[{"type":"message"}]""")]
    [InlineData("""{"type":"message" """)]
    [InlineData("""{"type":"message"} {}""")]
    [InlineData("")]
    public void TryAttachId_refuses_non_objects_and_objects_with_an_id_and_writes_nothing(string json)
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.False(Codec.TryAttachId(Utf8(json), "ID", output));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Custom_property_names_are_used_for_reading_and_writing()
    {
        var codec = new JsonEnvelopeCodec(new JsonEnvelopeOptions { TypePropertyName = "event", DataPropertyName = "payload", IdPropertyName = "ref" });
        var output = new ArrayBufferWriter<byte>();
        codec.WriteEnvelope(output, "chat", new Seq(7), DispatchJsonContext.Default.Seq, "r-1");
        Assert.Equal("""{"event":"chat","ref":"r-1","payload":{"n":7}}""", Encoding.UTF8.GetString(output.WrittenSpan));

        var inbound = Utf8("""{"type":"ignored","event":"chat","id":"ignored","ref":"r-2","data":1,"payload":{"n":8}}""");
        Assert.True(codec.TryReadEnvelope(inbound, out var header, out _));
        Assert.Equal("chat", header.Type);
        Assert.Equal("r-2", header.Id);
        Assert.Equal(new Seq(8), codec.ReadPayload(inbound.AsSpan(header.DataOffset, header.DataLength), DispatchJsonContext.Default.Seq));

        var attached = new ArrayBufferWriter<byte>();
        Assert.True(codec.TryAttachId(Utf8("""{"id":"not mine"}"""), "r-3", attached));
        Assert.Equal("""{"ref":"r-3","id":"not mine"}""", Encoding.UTF8.GetString(attached.WrittenSpan));
    }

    [Fact]
    public void Property_names_must_be_distinct_and_non_empty()
    {
        Assert.Throws<ArgumentException>(() => new JsonEnvelopeCodec(new JsonEnvelopeOptions { DataPropertyName = "type" }));
        Assert.Throws<ArgumentException>(() => new JsonEnvelopeCodec(new JsonEnvelopeOptions { IdPropertyName = "" }));
    }

    [Fact]
    public void The_first_occurrence_of_a_repeated_property_counts()
    {
        var json = Utf8("""{"type":"a","type":"b","data":{"n":1},"data":{"n":2}}""");
        Assert.True(Codec.TryReadEnvelope(json, out var header, out _));
        Assert.Equal("a", header.Type);
        Assert.Equal(new Seq(1), Codec.ReadPayload(json.AsSpan(header.DataOffset, header.DataLength), DispatchJsonContext.Default.Seq));
    }

    [Fact]
    public void Reflection_based_metadata_works_with_the_default_options_and_is_cached()
    {
        var codec = new JsonEnvelopeCodec();
        var info = ReflectionTypeInfo.Get<Seq>(codec);
        Assert.Same(info, ReflectionTypeInfo.Get<Seq>(codec));
        Assert.Equal(new Seq(3), codec.ReadPayload("""{"n":3}"""u8, info));
    }
}
