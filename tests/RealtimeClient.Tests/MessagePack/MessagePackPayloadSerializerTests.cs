using System.Buffers;
using MessagePack;
using MessagePack.Resolvers;
using RealtimeClient.MessagePack;

namespace RealtimeClient.Tests.MessagePackCodec;

/// <summary>The MessagePack payload serializer: the standard resolver for untrusted data by default, or the app's options.</summary>
public class MessagePackPayloadSerializerTests
{
    [Fact]
    public void The_default_is_the_standard_resolver_with_the_untrusted_data_security()
    {
        var options = MessagePackPayloadSerializer.Default.Options;

        Assert.Same(MessagePackPayloadSerializer.DefaultOptions, options);
        Assert.Same(StandardResolver.Instance, options.Resolver);
        Assert.Same(MessagePackSecurity.UntrustedData, options.Security);
    }

    [Fact]
    public void Attributed_types_primitives_and_null_round_trip()
    {
        var serializer = MessagePackPayloadSerializer.Default;

        Assert.Equal(new MpChat("m-1", "hi"), serializer.Deserialize<MpChat>(Write(serializer, new MpChat("m-1", "hi"))));
        Assert.Equal("""{"id":"m-1","text":"hi"}""", Mp.Json(Write(serializer, new MpChat("m-1", "hi"))));
        Assert.Equal(3, serializer.Deserialize<int>(Write(serializer, 3)));
        Assert.Null(serializer.Deserialize<MpChat>(Write<MpChat?>(serializer, null)));
    }

    [Fact]
    public void Serialize_appends_exactly_one_value()
    {
        var output = new ArrayBufferWriter<byte>();
        MessagePackPayloadSerializer.Default.Serialize(output, 1);
        MessagePackPayloadSerializer.Default.Serialize(output, "two");

        var reader = new MessagePackReader(output.WrittenMemory);
        Assert.Equal(1, reader.ReadInt32());
        Assert.Equal("two", reader.ReadString());
        Assert.True(reader.End);
    }

    [Fact]
    public void The_apps_own_options_are_used()
    {
        var options = MessagePackSerializerOptions.Standard.WithResolver(ContractlessStandardResolver.Instance);
        var serializer = new MessagePackPayloadSerializer(options);

        Assert.Same(options, serializer.Options);
        Assert.Equal("""{"Value":5}""", Mp.Json(Write(serializer, new Plain(5)))); // no attributes needed: contractless
        Assert.Throws<MessagePackSerializationException>(() => Write(MessagePackPayloadSerializer.Default, new Plain(5)));
    }

    [Fact]
    public void A_payload_that_does_not_fit_the_type_throws_for_the_dispatcher_to_report()
    {
        Assert.Throws<MessagePackSerializationException>(() => MessagePackPayloadSerializer.Default.Deserialize<MpChat>(Mp.Pack("text")));
    }

    [Fact]
    public void Untrusted_data_bounds_the_depth_of_an_object_graph()
    {
        var deep = new byte[1000];
        Array.Fill(deep, (byte)0x91);
        deep[^1] = MessagePackCode.Nil;

        Assert.Throws<MessagePackSerializationException>(() => MessagePackPayloadSerializer.Default.Deserialize<object>(deep));
    }

    public sealed record Plain(int Value);

    private static byte[] Write<T>(MessagePackPayloadSerializer serializer, T value)
    {
        var output = new ArrayBufferWriter<byte>();
        serializer.Serialize(output, value);
        return output.WrittenSpan.ToArray();
    }
}
