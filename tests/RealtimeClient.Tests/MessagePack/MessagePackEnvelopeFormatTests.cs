using System.Buffers;
using FsCheck.Xunit;
using MessagePack;
using RealtimeClient.MessagePack;
using RealtimeClient.Serialization;

namespace RealtimeClient.Tests.MessagePackCodec;

/// <summary>The MessagePack envelope format on its own: a map {"type", "id", "data"} read, written and given an id.</summary>
public class MessagePackEnvelopeFormatTests
{
    private static readonly MessagePackEnvelopeFormat Format = MessagePackEnvelopeFormat.Default;
    private static readonly MessagePackPayloadSerializer Serializer = MessagePackPayloadSerializer.Default;

    [Fact]
    public void Envelopes_are_binary_and_text_messages_are_not_read()
    {
        Assert.Equal(MessageKind.Binary, Format.MessageKind);
        Assert.True(Format.CanRead(MessageKind.Binary));
        Assert.False(Format.CanRead(MessageKind.Text));
        Assert.Equal([MessagePackCode.Nil], Format.MissingPayload.ToArray());
    }

    [Fact]
    public void WriteEnvelope_writes_a_map_of_type_id_and_data_that_reads_back()
    {
        var output = new ArrayBufferWriter<byte>();
        Format.WriteEnvelope(output, "chat", "c-\"1\"", new MpChat("m-1", "héllo ☃"), Serializer);
        var bytes = output.WrittenSpan.ToArray();

        Assert.Equal("""{"type":"chat","id":"c-\"1\"","data":{"id":"m-1","text":"héllo ☃"}}""", Mp.Json(bytes));
        Assert.True(Format.TryReadHeader(bytes, out var header, out var failure));
        Assert.Null(failure);
        Assert.Equal("chat", header.Type);
        Assert.Equal("c-\"1\"", header.Id);
        Assert.Equal(new MpChat("m-1", "héllo ☃"), Serializer.Deserialize<MpChat>(bytes.AsMemory(header.PayloadOffset, header.PayloadLength)));
    }

    [Fact]
    public void WriteEnvelope_without_an_id_writes_two_entries_and_appends_to_the_output()
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write(new byte[] { 0xAA });
        Format.WriteEnvelope(output, "n", null, 42, Serializer);

        Assert.Equal(0xAA, output.WrittenSpan[0]);
        Assert.Equal("""{"type":"n","data":42}""", Mp.Json(output.WrittenMemory[1..]));
    }

    [Fact]
    public void TryReadHeader_finds_the_entries_in_any_order_and_ignores_the_others()
    {
        var bytes = Mp.Envelope(("data", Mp.Map(("n", 1))), ("extra", new[] { 1, 2 }), ("id", "x-1"), ("type", "seq"), ("code", 7));

        Assert.True(Format.TryReadHeader(bytes, out var header, out _));
        Assert.Equal("seq", header.Type);
        Assert.Equal("x-1", header.Id);
        Assert.Equal("""{"n":1}""", Mp.Json(bytes.AsMemory(header.PayloadOffset, header.PayloadLength)));
    }

    [Fact]
    public void An_envelope_without_data_has_no_payload_and_reads_as_nil()
    {
        var bytes = Mp.Envelope(("type", "ping"));

        Assert.True(Format.TryReadHeader(bytes, out var header, out _));
        Assert.False(header.HasPayload);
        Assert.Null(Serializer.Deserialize<MpChat>(Format.MissingPayload));
    }

    [Fact]
    public void Keys_that_are_not_strings_are_ignored_and_the_first_occurrence_of_a_key_counts()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(5);
        writer.Write(1); // an integer key
        writer.Write("not the type");
        writer.Write("type");
        writer.Write("first");
        writer.Write("type");
        writer.Write("second");
        writer.Write("id");
        writer.Write(17); // an id that is not a string is no id
        writer.Write("data");
        writer.WriteNil();
        writer.Flush();

        Assert.True(Format.TryReadHeader(output.WrittenSpan, out var header, out _));
        Assert.Equal("first", header.Type);
        Assert.Null(header.Id);
        Assert.True(header.HasPayload);
        Assert.Equal(1, header.PayloadLength);
    }

    public static TheoryData<byte[], string> NotEnvelopes() => new()
    {
        { Mp.Pack(new[] { 1, 2 }), "not a MessagePack map" },
        { Mp.Pack("type"), "not a MessagePack map" },
        { [], "not a MessagePack map" },
        { Mp.Envelope(("data", 1)), "no 'type' entry" },
        { Mp.Envelope(("type", 5)), "'type' entry is not a string" },
        { Mp.Envelope(("type", null)), "'type' entry is not a string" },
        { [.. Mp.Envelope(("type", "t")), 0xC0], "bytes after its MessagePack map" },
        { [0x81, 0xA4, (byte)'t', (byte)'y', (byte)'p', (byte)'e'], "not well-formed MessagePack" },
        { [0xC1], "not a MessagePack map" },
    };

    [Theory]
    [MemberData(nameof(NotEnvelopes))]
    public void What_is_not_an_envelope_is_said_and_never_thrown(byte[] message, string reason)
    {
        Assert.False(Format.TryReadHeader(message, out var header, out var failure));
        Assert.Contains(reason, failure, StringComparison.Ordinal);
        Assert.Equal(default, header);
    }

    [Property(MaxTest = 500)]
    public void Random_bytes_never_make_a_reader_throw(byte[] message, string? path, string? id) => ReadEverything(message, path, id);

    [Fact]
    public void Every_truncation_of_an_envelope_reads_without_throwing()
    {
        var output = new ArrayBufferWriter<byte>();
        Format.WriteEnvelope(output, "chat", "c-1", Mp.Map(("id", "m-1"), ("list", new object[] { 1, "two", 3.5, null!, new[] { 4 } })), Serializer);
        var bytes = output.WrittenSpan.ToArray();

        for (var length = 0; length < bytes.Length; length++)
        {
            ReadEverything(bytes[..length], "data.id", "x");
            Assert.False(Format.TryReadHeader(bytes.AsSpan(0, length), out _, out _));
        }
    }

    [Fact]
    public void Nesting_of_any_depth_is_skipped_without_recursion()
    {
        const int depth = 200_000;
        var data = new byte[depth + 1];
        Array.Fill(data, (byte)0x91); // fixarray of one element, nested
        data[^1] = MessagePackCode.Nil;
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(3);
        writer.Write("deep");
        writer.WriteRaw(data);
        writer.Write("type");
        writer.Write("t");
        writer.Write("data");
        writer.WriteRaw(data);
        writer.Flush();
        var bytes = output.WrittenSpan.ToArray();

        Assert.True(Format.TryReadHeader(bytes, out var header, out _));
        Assert.Equal("t", header.Type);
        Assert.Equal(data.Length, header.PayloadLength);
        Assert.False(Format.TryReadValue(bytes, "data.id", out _));
        var attached = new ArrayBufferWriter<byte>();
        Assert.True(Format.TryAttachId(bytes, "x", attached));
        Assert.True(Format.TryReadHeader(attached.WrittenSpan, out var withId, out _));
        Assert.Equal("x", withId.Id);
    }

    [Theory]
    [InlineData("code", "403")]
    [InlineData("negative", "-5")]
    [InlineData("big", "18446744073709551615")]
    [InlineData("ratio", "1.5")]
    [InlineData("message", "muted")]
    [InlineData("data.id", "m-1")]
    [InlineData("data.inner.deep", "yes")]
    public void TryReadValue_follows_a_dotted_path_to_a_string_or_a_number(string path, string expected)
    {
        var bytes = Sample();
        Assert.True(Format.TryReadValue(bytes, path, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("data.missing")]
    [InlineData("message.id")]
    [InlineData("data")]
    [InlineData("flag")]
    [InlineData("nothing")]
    [InlineData("list")]
    public void TryReadValue_is_false_when_the_path_does_not_end_at_a_string_or_a_number(string path)
    {
        Assert.False(Format.TryReadValue(Sample(), path, out var value));
        Assert.Null(value);
    }

    [Fact]
    public void TryAttachId_adds_the_id_first_and_keeps_every_entry_byte_for_byte()
    {
        var original = Mp.Envelope(("type", "chat"), ("data", Mp.Map(("id", "nested is fine"))));
        var output = new ArrayBufferWriter<byte>();

        Assert.True(Format.TryAttachId(original, "ID", output));

        Assert.Equal("""{"id":"ID","type":"chat","data":{"id":"nested is fine"}}""", Mp.Json(output.WrittenMemory));
        Assert.True(output.WrittenSpan.EndsWith(original.AsSpan(1))); // the fixmap header grew, the entries did not change
        Assert.True(Format.TryReadHeader(output.WrittenSpan, out var header, out _));
        Assert.Equal("ID", header.Id);
    }

    [Fact]
    public void TryAttachId_grows_a_full_small_map_into_a_larger_header()
    {
        var entries = Enumerable.Range(0, 15).Select(i => ($"k{i}", (object?)i)).Prepend(("type", "t")).Take(15).ToArray();
        var original = Mp.Envelope(entries); // 15 entries: the largest fixmap
        var output = new ArrayBufferWriter<byte>();

        Assert.True(Format.TryAttachId(original, "ID", output));

        Assert.Equal(0xDE, output.WrittenSpan[0]); // map16
        Assert.True(Format.TryReadHeader(output.WrittenSpan, out var header, out _));
        Assert.Equal(("t", "ID"), (header.Type, header.Id));
        Assert.True(Format.TryReadValue(output.WrittenSpan, "k13", out var k13));
        Assert.Equal("13", k13);
    }

    public static TheoryData<byte[]> NoIdCanBeAttached() => new()
    {
        Mp.Envelope(("type", "chat"), ("id", "mine")),
        Mp.Pack(new[] { 1 }),
        Mp.Pack("text"),
        Mp.Envelope(("type", "chat")).Append((byte)0x01).ToArray(),
        Mp.Envelope(("type", "chat"))[..^1],
        Array.Empty<byte>(),
    };

    [Theory]
    [MemberData(nameof(NoIdCanBeAttached))]
    public void TryAttachId_refuses_anything_but_one_map_without_an_id_and_writes_nothing(byte[] message)
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.False(Format.TryAttachId(message, "ID", output));
        Assert.Equal(0, output.WrittenCount);
    }

    private static byte[] Sample() => Mp.Envelope(
        ("type", "error"),
        ("code", 403),
        ("negative", -5),
        ("big", ulong.MaxValue),
        ("ratio", 1.5),
        ("message", "muted"),
        ("flag", true),
        ("nothing", null),
        ("list", new[] { "a" }),
        ("data", Mp.Map(("id", "m-1"), ("inner", Mp.Map(("deep", "yes"))))));

    private static void ReadEverything(byte[] message, string? path, string? id)
    {
        path = string.IsNullOrEmpty(path) ? "data.id" : path;
        if (Format.TryReadHeader(message, out var header, out var failure))
        {
            Assert.NotNull(header.Type);
            if (header.HasPayload)
            {
                Assert.InRange(header.PayloadOffset + header.PayloadLength, 1, message.Length);
            }
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(failure));
        }

        if (Format.TryReadValue(message, path, out var value))
        {
            Assert.NotNull(value);
        }

        var output = new ArrayBufferWriter<byte>();
        if (!Format.TryAttachId(message, id ?? "id", output))
        {
            Assert.Equal(0, output.WrittenCount);
        }
    }
}
