using System.Buffers;
using System.Text;
using FsCheck.Xunit;
using RealtimeClient.Serialization;

namespace RealtimeClient.Tests.Serialization;

/// <summary>
/// Whatever a server sends, reading it never throws (the format runs on the receive loop): random bytes, every truncation
/// of real envelopes, invalid UTF-8 inside strings, nesting deeper than the reader allows.
/// </summary>
public class JsonEnvelopeFormatRobustnessTests
{
    private static readonly JsonEnvelopeFormat Strict = new();
    private static readonly JsonEnvelopeFormat Lenient = new(new JsonEnvelopeOptions { AllowCommentsAndTrailingCommas = true, ReadBinaryMessages = true });

    private static readonly string[] Samples =
    [
        """{"type":"message","id":"c-1","data":{"id":"m-1","text":"héllo ☃ 𝄞"}}""",
        """{"type":"error","id":"c-2","code":403,"message":"no \"quotes\" \\ here"}""",
        """{"data":[1,2,{"a":null}],"type":"t\u0079pe","x":true}""",
        """{"type":"x", /* c */ "data":{"n":1,},}""",
    ];

    public static TheoryData<string, int> Truncations()
    {
        var data = new TheoryData<string, int>();
        foreach (var sample in Samples)
        {
            for (var length = 0; length <= Encoding.UTF8.GetByteCount(sample); length++)
            {
                data.Add(sample, length);
            }
        }

        return data;
    }

    [Property(MaxTest = 500)]
    public void Random_bytes_never_make_a_reader_throw(byte[] message, string? path, string? id) =>
        ReadEverything(message, path, id);

    [Property(MaxTest = 500)]
    public void Random_text_never_makes_a_reader_throw(string? text, string? path) =>
        ReadEverything(Encoding.UTF8.GetBytes(text ?? string.Empty), path, "id");

    [Theory]
    [MemberData(nameof(Truncations))]
    public void Every_truncation_of_an_envelope_reads_without_throwing(string sample, int length) =>
        ReadEverything(Encoding.UTF8.GetBytes(sample)[..length], "data.id", "ID");

    [Theory]
    [InlineData(new byte[] { 0x7B, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D })] // {"type":"\xC3(" }
    [InlineData(new byte[] { 0x7B, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D })] // {"type":"\xFF\xFE"}
    [InlineData(new byte[] { 0x7B, 0x22, 0x69, 0x64, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x2C, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3A, 0x22, 0x74, 0x22, 0x7D })] // {"id":"<lone surrogate>","type":"t"}
    [InlineData(new byte[] { 0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x2C, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3A, 0x22, 0x74, 0x22, 0x7D })] // {"\xC3(":1,"type":"t"}
    public void Invalid_utf8_inside_an_envelope_is_not_an_envelope_and_never_throws(byte[] message)
    {
        ReadEverything(message, "id", "ID");
        if (Strict.TryReadHeader(message, out var header, out var failure))
        {
            // Only a type that decoded is ever handed out.
            Assert.Equal("t", header.Type);
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(failure));
        }
    }

    [Fact]
    public void Nesting_deeper_than_the_reader_allows_is_not_an_envelope()
    {
        var deep = "{\"type\":\"t\",\"data\":" + new string('[', 5000) + new string(']', 5000) + "}";
        ReadEverything(Encoding.UTF8.GetBytes(deep), "data", "ID");
        Assert.False(Strict.TryReadHeader(Encoding.UTF8.GetBytes(deep), out _, out var failure));
        Assert.Contains("not well-formed JSON", failure, StringComparison.Ordinal);
    }

    private static void ReadEverything(byte[] message, string? path, string? id)
    {
        path = string.IsNullOrEmpty(path) ? "data.id" : path;
        id ??= "ID";
        foreach (var format in (JsonEnvelopeFormat[])[Strict, Lenient])
        {
            if (format.TryReadHeader(message, out var header, out var failure))
            {
                Assert.NotNull(header.Type);
                Assert.Null(failure);
                if (header.HasPayload)
                {
                    Assert.InRange(header.PayloadOffset + header.PayloadLength, 1, message.Length);
                }
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(failure));
            }

            if (format.TryReadValue(message, path, out var value))
            {
                Assert.NotNull(value);
            }

            var output = new ArrayBufferWriter<byte>();
            if (!format.TryAttachId(message, id, output))
            {
                Assert.Equal(0, output.WrittenCount);
            }
        }
    }
}
