namespace RealtimeClient.Tests.Core;

/// <summary>InboundMessage as a value: equality by kind and content, hashing consistent with it, a safe text form.</summary>
public class InboundMessageValueTests
{
    [Fact]
    public void Text_messages_are_equal_by_their_text()
    {
        var a = new InboundMessage("héllo");
        var b = new InboundMessage(string.Concat("hé", "llo"));

        Assert.True(a.Equals(b));
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, new InboundMessage("hello"));
        Assert.NotEqual(a, new InboundMessage("HÉLLO")); // ordinal
    }

    [Fact]
    public void Binary_messages_are_equal_by_their_bytes_not_by_their_memory()
    {
        var a = new InboundMessage(new byte[] { 1, 2, 3 });
        var b = new InboundMessage(new byte[] { 0, 1, 2, 3, 4 }.AsMemory(1, 3));

        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, new InboundMessage(new byte[] { 1, 2, 4 }));
        Assert.NotEqual(a, new InboundMessage(new byte[] { 1, 2 }));
        Assert.Equal(new InboundMessage(ReadOnlyMemory<byte>.Empty), new InboundMessage(Array.Empty<byte>()));
    }

    [Fact]
    public void A_text_and_a_binary_message_with_the_same_bytes_differ()
    {
        var text = new InboundMessage("abc");
        var binary = new InboundMessage("abc"u8.ToArray());

        Assert.NotEqual(text, binary);
        Assert.True(text != binary);
        Assert.NotEqual(new InboundMessage(string.Empty), new InboundMessage(ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void A_message_is_not_equal_to_null_or_to_another_type()
    {
        var message = new InboundMessage("x");

        Assert.False(message.Equals(null));
        Assert.False(message.Equals("x"));
    }

    [Fact]
    public void Messages_work_as_set_and_dictionary_keys()
    {
        var set = new HashSet<InboundMessage>
        {
            new("a"),
            new("a"),
            new(new byte[] { 1 }),
            new(new byte[] { 1 }),
            new(new byte[] { 2 }),
        };

        Assert.Equal(3, set.Count);
        Assert.Contains(new InboundMessage(new byte[] { 2 }), set);
    }

    [Fact]
    public void The_properties_say_what_the_message_is()
    {
        var text = new InboundMessage("hi");
        Assert.Equal(MessageKind.Text, text.Kind);
        Assert.Equal("hi", text.Text);
        Assert.True(text.Data.IsEmpty);

        var binary = new InboundMessage(new byte[] { 9 });
        Assert.Equal(MessageKind.Binary, binary.Kind);
        Assert.Null(binary.Text);
        Assert.Equal([9], binary.Data.ToArray());
        Assert.Throws<ArgumentNullException>(() => new InboundMessage((string)null!));
    }

    [Fact]
    public void ToString_names_the_kind_and_size_and_never_throws_even_for_a_default_value()
    {
        Assert.Equal("Text(2 chars)", new InboundMessage("hi").ToString());
        Assert.Equal("Binary(3 bytes)", new InboundMessage(new byte[3]).ToString());
        Assert.Equal("Text(0 chars)", default(InboundMessage).ToString());
        Assert.Equal(default(InboundMessage), default(InboundMessage));
        Assert.NotEqual(default, new InboundMessage(string.Empty));
    }
}
