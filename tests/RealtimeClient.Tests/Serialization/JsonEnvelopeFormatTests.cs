using System.Buffers;
using System.Text;
using System.Text.Json;
using RealtimeClient.Serialization;

namespace RealtimeClient.Tests.Serialization;

/// <summary>The default envelope format: reading the header, locating the payload, reading values by path, writing, attaching ids.</summary>
public class JsonEnvelopeFormatTests
{
    private static readonly JsonEnvelopeFormat Format = new();
    private static readonly SystemTextJsonSerializer Serializer = new(TestJsonContext.Default);

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static T? Payload<T>(byte[] message, EnvelopeHeader header) =>
        Serializer.Deserialize<T>(header.HasPayload ? message.AsMemory(header.PayloadOffset, header.PayloadLength) : Format.MissingPayload);

    [Fact]
    public void TryReadHeader_reads_the_top_level_type_and_id()
    {
        Assert.True(Format.TryReadHeader(Utf8("""{"type":"ack","id":"c-1"}"""), out var header, out var failure));
        Assert.Null(failure);
        Assert.Equal("ack", header.Type);
        Assert.Equal("c-1", header.Id);
        Assert.False(header.HasPayload);
    }

    [Fact]
    public void TryReadHeader_ignores_nested_ids_and_unescapes()
    {
        var json = """{"data":{"id":"inner","type":"x"},"t\u0079pe":"a\"ck\u00e9","id":"c\\1"}""";
        Assert.True(Format.TryReadHeader(Utf8(json), out var header, out _));
        Assert.Equal("a\"cké", header.Type);
        Assert.Equal("c\\1", header.Id);
    }

    [Theory]
    [InlineData("""[{"type":"ack"}]""", "not a JSON object")]
    [InlineData("\"ack\"", "not a JSON object")]
    [InlineData("", "not a JSON object")]
    [InlineData(" \r\n\t", "not a JSON object")]
    [InlineData("""{"type":""", "not well-formed JSON")]
    [InlineData("not json", "not a JSON object")]
    [InlineData("  {\"type\":\"ack\"} x", "not well-formed JSON")]
    public void TryReadHeader_is_false_for_anything_but_an_object_and_says_why(string text, string expected)
    {
        Assert.False(Format.TryReadHeader(Utf8(text), out var header, out var failure));
        Assert.Contains(expected, failure, StringComparison.Ordinal);
        Assert.Equal(default, header);
    }

    [Fact]
    public void A_non_string_type_is_not_an_envelope_and_a_non_string_id_is_no_id()
    {
        Assert.False(Format.TryReadHeader(Utf8("""{"type":5,"data":{}}"""), out _, out var failure));
        Assert.Contains("'type' property is not a string", failure, StringComparison.Ordinal);

        Assert.True(Format.TryReadHeader(Utf8("""{"type":"t","id":7,"data":{}}"""), out var header, out _));
        Assert.Null(header.Id);
        Assert.True(header.HasPayload);
    }

    [Fact]
    public void TryReadHeader_returns_one_cached_instance_per_type_name()
    {
        Assert.True(Format.TryReadHeader(Utf8("""{"type":"user_online"}"""), out var first, out _));
        Assert.True(Format.TryReadHeader(Utf8("""{"id":"x","type":"user_online"}"""), out var second, out _));
        Assert.Same(first.Type, second.Type);
    }

    [Fact]
    public void Long_type_names_and_more_names_than_the_cache_holds_are_still_read_exactly()
    {
        var format = new JsonEnvelopeFormat();
        var longName = new string('t', 65) + "é";
        Assert.True(format.TryReadHeader(Utf8($$"""{"type":"{{longName}}"}"""), out var header, out _));
        Assert.Equal(longName, header.Type);

        for (var i = 0; i < 300; i++)
        {
            Assert.True(format.TryReadHeader(Utf8($$"""{"type":"t-{{i}}"}"""), out header, out _));
            Assert.Equal($"t-{i}", header.Type);
        }
    }

    [Theory]
    [InlineData("""{"type":"message","data":{"id":"m-1","text":"hi"}}""", "data.id", "m-1")]
    [InlineData("""{"type":"message","data":{"text":"hi","id":42}}""", "data.id", "42")]
    [InlineData("""{"a":{"b":{"c":"deep"}},"x":1}""", "a.b.c", "deep")]
    [InlineData("""{"id":"top"}""", "id", "top")]
    [InlineData("""{"type":"error","code":-4.5e2,"message":"no"}""", "code", "-4.5e2")]
    [InlineData("""{"skip":[1,{"id":"no"}],"data":{"x":{"id":"no"},"id":"yes"}}""", "data.id", "yes")]
    public void TryReadValue_follows_a_dotted_path_to_a_string_or_a_number(string json, string path, string expected)
    {
        Assert.True(Format.TryReadValue(Utf8(json), path, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("""{"type":"message","data":{"text":"hi"}}""", "data.id")]
    [InlineData("""{"type":"message","data":"str"}""", "data.id")]
    [InlineData("""{"data":{"id":{"nested":1}}}""", "data.id")]
    [InlineData("""{"data":{"id":null}}""", "data.id")]
    [InlineData("""{"data":{"id":true}}""", "data.id")]
    [InlineData("""[1]""", "data.id")]
    [InlineData("""{"data":""", "data.id")]
    [InlineData("""{"data":{"id":"x"}} trailing""", "data.id.more")]
    public void TryReadValue_is_false_when_the_path_does_not_end_at_a_string_or_number(string json, string path)
    {
        Assert.False(Format.TryReadValue(Utf8(json), path, out var value));
        Assert.Null(value);
    }

    [Fact]
    public void TryReadHeader_locates_the_payload_for_the_serializer()
    {
        var json = Utf8("""{ "type" : "message", "data" : {"id":"m-1","text":"hi"} , "timestamp": 1}""");
        Assert.True(Format.TryReadHeader(json, out var header, out var failure));
        Assert.Null(failure);
        Assert.Equal("message", header.Type);
        Assert.Null(header.Id);
        Assert.True(header.HasPayload);
        Assert.Equal("""{"id":"m-1","text":"hi"}""", Encoding.UTF8.GetString(json, header.PayloadOffset, header.PayloadLength));
        Assert.Equal(new ChatMessage("m-1", "hi"), Payload<ChatMessage>(json, header));
    }

    [Theory]
    [InlineData("""{"type":"t","data":null}""", "null")]
    [InlineData("""{"type":"t","data":"text"}""", "\"text\"")]
    [InlineData("""{"type":"t","data":[1,[2]],"x":0}""", "[1,[2]]")]
    [InlineData("""{"type":"t","data":-12.5}""", "-12.5")]
    public void The_payload_may_be_any_json_value(string json, string payload)
    {
        var bytes = Utf8(json);
        Assert.True(Format.TryReadHeader(bytes, out var header, out _));
        Assert.Equal(payload, Encoding.UTF8.GetString(bytes, header.PayloadOffset, header.PayloadLength));
    }

    [Fact]
    public void An_envelope_without_a_payload_reads_as_the_formats_null()
    {
        var bytes = Utf8("""{"type":"heartbeat","message":"pong"}""");
        Assert.True(Format.TryReadHeader(bytes, out var header, out _));
        Assert.False(header.HasPayload);
        Assert.Equal(-1, header.PayloadOffset);
        Assert.Equal("null", Encoding.UTF8.GetString(Format.MissingPayload.Span));
        Assert.Null(Payload<ChatMessage>(bytes, header));
    }

    [Theory]
    [InlineData("""[1,2]""", "not a JSON object")]
    [InlineData("""{"data":{}}""", "no 'type' property")]
    [InlineData("""{"type":{"a":1}}""", "not a string")]
    public void TryReadHeader_explains_what_is_not_an_envelope(string json, string expected)
    {
        Assert.False(Format.TryReadHeader(Utf8(json), out _, out var failure));
        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"x",""")]
    [InlineData("""{"type":"x"} trailing""")]
    [InlineData("""{"type":"x"} {}""")]
    [InlineData("""{"type":"x","data":{"a":}}""")]
    [InlineData("""{"type":"x",}""")]
    [InlineData("""{"type":"x" /* comment */}""")]
    public void Malformed_json_is_not_an_envelope_and_never_throws(string json)
    {
        Assert.False(Format.TryReadHeader(Utf8(json), out _, out var failure));
        Assert.StartsWith("The message is not well-formed JSON", failure, StringComparison.Ordinal);
        Assert.False(Format.TryReadValue(Utf8(json), "data.a", out _));
        var output = new ArrayBufferWriter<byte>();
        Assert.False(Format.TryAttachId(Utf8(json), "ID", output));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Comments_and_trailing_commas_are_read_only_when_allowed()
    {
        var json = Utf8("""{"type":"x", /* why */ "data":{"n":1,},}""");
        Assert.False(Format.TryReadHeader(json, out _, out _));

        var lenient = new JsonEnvelopeFormat(new JsonEnvelopeOptions { AllowCommentsAndTrailingCommas = true });
        Assert.True(lenient.TryReadHeader(json, out var header, out _));
        Assert.Equal("x", header.Type);
        Assert.Equal("1", lenient.TryReadValue(json, "data.n", out var n) ? n : null);
    }

    [Fact]
    public void Text_messages_are_read_and_binary_ones_only_when_asked_to()
    {
        Assert.Equal(MessageKind.Text, Format.MessageKind);
        Assert.True(Format.CanRead(MessageKind.Text));
        Assert.False(Format.CanRead(MessageKind.Binary));
        Assert.True(new JsonEnvelopeFormat(new JsonEnvelopeOptions { ReadBinaryMessages = true }).CanRead(MessageKind.Binary));
    }

    [Fact]
    public void WriteEnvelope_writes_type_id_and_data_with_escaping_and_reads_back()
    {
        var output = new ArrayBufferWriter<byte>();
        Format.WriteEnvelope(output, "say \"hi\" é", "c-\"1\"", new ChatMessage("m-1", "line\nbreak </script>"), Serializer);
        var text = Encoding.UTF8.GetString(output.WrittenSpan);

        using var doc = JsonDocument.Parse(text);
        Assert.Equal("say \"hi\" é", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal("c-\"1\"", doc.RootElement.GetProperty("id").GetString());
        Assert.Equal("line\nbreak </script>", doc.RootElement.GetProperty("data").GetProperty("text").GetString());
        Assert.StartsWith("{\"type\":", text, StringComparison.Ordinal);

        var bytes = output.WrittenSpan.ToArray();
        Assert.True(Format.TryReadHeader(bytes, out var header, out _));
        Assert.Equal("say \"hi\" é", header.Type);
        Assert.Equal("c-\"1\"", header.Id);
        Assert.Equal(new ChatMessage("m-1", "line\nbreak </script>"), Payload<ChatMessage>(bytes, header));
    }

    [Fact]
    public void WriteEnvelope_omits_a_null_id_and_can_be_called_repeatedly()
    {
        for (var i = 0; i < 3; i++)
        {
            var output = new ArrayBufferWriter<byte>();
            Format.WriteEnvelope(output, "message", null, new Seq(i), Serializer);
            Assert.Equal($$$"""{"type":"message","data":{"n":{{{i}}}}}""", Encoding.UTF8.GetString(output.WrittenSpan));
        }
    }

    [Fact]
    public void WriteEnvelope_appends_to_what_the_output_already_holds()
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write("prefix:"u8);
        Format.WriteEnvelope(output, "t", null, 1, Serializer);
        Assert.Equal("""prefix:{"type":"t","data":1}""", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Formats_with_different_names_on_one_thread_each_write_their_own_names()
    {
        var custom = new JsonEnvelopeFormat(new JsonEnvelopeOptions { TypePropertyName = "event", DataPropertyName = "payload", IdPropertyName = "ref" });
        for (var i = 0; i < 2; i++)
        {
            var a = new ArrayBufferWriter<byte>();
            var b = new ArrayBufferWriter<byte>();
            Format.WriteEnvelope(a, "t", "1", i, Serializer);
            custom.WriteEnvelope(b, "t", "1", i, Serializer);
            Assert.Equal($$"""{"type":"t","id":"1","data":{{i}}}""", Encoding.UTF8.GetString(a.WrittenSpan));
            Assert.Equal($$"""{"event":"t","ref":"1","payload":{{i}}}""", Encoding.UTF8.GetString(b.WrittenSpan));
        }
    }

    [Fact]
    public void A_serializer_that_writes_an_envelope_itself_gets_a_writer_of_its_own()
    {
        var output = new ArrayBufferWriter<byte>();
        Format.WriteEnvelope(output, "outer", "o", "payload", new NestingSerializer(Format, Serializer));

        Assert.Equal("""{"type":"outer","id":"o","data":{"type":"inner","id":"i","data":"payload"}}""", Encoding.UTF8.GetString(output.WrittenSpan));
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
        Assert.True(Format.TryAttachId(Utf8(json), "ID", output));
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void TryAttachId_escapes_the_id()
    {
        var output = new ArrayBufferWriter<byte>();
        const string id = "a\"b\\c\n<é>";
        Assert.True(Format.TryAttachId(Utf8("""{"type":"message"}"""), id, output));
        using var doc = JsonDocument.Parse(output.WrittenMemory);
        Assert.Equal(id, doc.RootElement.GetProperty("id").GetString());
        Assert.Equal("message", doc.RootElement.GetProperty("type").GetString());
        Assert.True(Format.TryReadHeader(output.WrittenSpan, out var header, out _));
        Assert.Equal(id, header.Id);
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
        Assert.False(Format.TryAttachId(Utf8(json), "ID", output));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Custom_property_names_are_used_for_reading_and_writing()
    {
        var format = new JsonEnvelopeFormat(new JsonEnvelopeOptions { TypePropertyName = "event", DataPropertyName = "payload", IdPropertyName = "ref" });
        var output = new ArrayBufferWriter<byte>();
        format.WriteEnvelope(output, "chat", "r-1", new Seq(7), Serializer);
        Assert.Equal("""{"event":"chat","ref":"r-1","payload":{"n":7}}""", Encoding.UTF8.GetString(output.WrittenSpan));

        var inbound = Utf8("""{"type":"ignored","event":"chat","id":"ignored","ref":"r-2","data":1,"payload":{"n":8}}""");
        Assert.True(format.TryReadHeader(inbound, out var header, out _));
        Assert.Equal("chat", header.Type);
        Assert.Equal("r-2", header.Id);
        Assert.Equal(new Seq(8), Serializer.Deserialize<Seq>(inbound.AsMemory(header.PayloadOffset, header.PayloadLength)));

        var attached = new ArrayBufferWriter<byte>();
        Assert.True(format.TryAttachId(Utf8("""{"id":"not mine"}"""), "r-3", attached));
        Assert.Equal("""{"ref":"r-3","id":"not mine"}""", Encoding.UTF8.GetString(attached.WrittenSpan));
    }

    [Fact]
    public void Property_names_must_be_distinct_and_non_empty()
    {
        Assert.Throws<ArgumentException>(() => new JsonEnvelopeFormat(new JsonEnvelopeOptions { DataPropertyName = "type" }));
        Assert.Throws<ArgumentException>(() => new JsonEnvelopeFormat(new JsonEnvelopeOptions { IdPropertyName = "data" }));
        Assert.Throws<ArgumentException>(() => new JsonEnvelopeFormat(new JsonEnvelopeOptions { IdPropertyName = "type" }));
        Assert.Throws<ArgumentException>(() => new JsonEnvelopeFormat(new JsonEnvelopeOptions { IdPropertyName = "" }));
    }

    [Fact]
    public void The_first_occurrence_of_a_repeated_property_counts()
    {
        var json = Utf8("""{"type":"a","type":"b","id":"1","id":"2","data":{"n":1},"data":{"n":2}}""");
        Assert.True(Format.TryReadHeader(json, out var header, out _));
        Assert.Equal("a", header.Type);
        Assert.Equal("1", header.Id);
        Assert.Equal(new Seq(1), Payload<Seq>(json, header));
    }

    // A serializer whose payload is itself an envelope: the format's writer is in use when it runs.
    private sealed class NestingSerializer(IEnvelopeFormat format, IPayloadSerializer inner) : IPayloadSerializer
    {
        public void Serialize<T>(IBufferWriter<byte> output, T value) => format.WriteEnvelope(output, "inner", "i", value, inner);

        public T? Deserialize<T>(ReadOnlyMemory<byte> payload) => inner.Deserialize<T>(payload);
    }
}
