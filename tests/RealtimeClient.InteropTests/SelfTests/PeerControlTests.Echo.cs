using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.SelfTests;

/// <summary>Echo: every length edge, fragmented input, the size limit, permessage-deflate.</summary>
public abstract partial class PeerControlTests
{
    [Fact]
    public async Task Echo_returns_text_and_binary_of_every_length_edge_unchanged()
    {
        await using var client = await RawClient.ConnectAsync(peer);
        foreach (var size in new[] { 0, 1, 125, 126, 127, 65_535, 65_536, 65_537 })
        {
            var text = Encoding.ASCII.GetString(Payloads.Text(size));
            await client.SendTextAsync(text);
            var echoedText = await client.ReceiveAsync();
            Assert.Equal(WebSocketMessageType.Text, echoedText.Type);
            Assert.True(text == echoedText.Text, $"text of {size} bytes came back as {echoedText}");

            var binary = Payloads.Binary(size);
            await client.SendBinaryAsync(binary);
            var echoedBinary = await client.ReceiveAsync();
            Assert.Equal(WebSocketMessageType.Binary, echoedBinary.Type);
            Assert.True(binary.AsSpan().SequenceEqual(echoedBinary.Data), $"binary of {size} bytes came back as {echoedBinary}");
        }
    }

    [Fact]
    public async Task Echo_reassembles_fragmented_input_with_a_character_split_across_frames()
    {
        await using var client = await RawClient.ConnectAsync(peer);
        var utf8 = Encoding.UTF8.GetBytes("fragments: é € 😀 end");
        var euro = Array.IndexOf(utf8, (byte)0xE2);
        await client.SendFramesAsync(WebSocketMessageType.Text, utf8.AsMemory(0, euro + 1), utf8.AsMemory(euro + 1, 1), utf8.AsMemory(euro + 2));

        var text = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Text, text.Type);
        Assert.Equal("fragments: é € 😀 end", text.Text);

        var binary = Payloads.Binary(100_000);
        await client.SendFramesAsync(WebSocketMessageType.Binary, binary.AsMemory(0, 1), binary.AsMemory(1, 70_000), binary.AsMemory(70_001));
        var echoed = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, echoed.Type);
        Assert.True(binary.AsSpan().SequenceEqual(echoed.Data), $"came back as {echoed}");
    }

    [Fact]
    public async Task A_message_of_exactly_the_maximum_size_is_echoed_and_one_more_byte_in_a_further_frame_closes_1009()
    {
        await using var client = await RawClient.ConnectAsync(peer);
        var maximum = Payloads.Binary(InteropPeer.MaxMessageSize);
        await client.SendBinaryAsync(maximum);
        var echoed = await client.ReceiveAsync();
        Assert.True(maximum.AsSpan().SequenceEqual(echoed.Data), $"came back as {echoed}");

        // The limit is on the message, not the frame: the whole maximum, then one byte in a continuation frame.
        await client.SendFramesAsync(WebSocketMessageType.Binary, maximum, new byte[] { 1 });
        var close = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Close, close.Type);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, close.CloseStatus);
    }

    [Fact]
    public async Task Permessage_deflate_is_negotiated_and_the_limit_applies_to_the_inflated_size()
    {
        await using var client = await RawClient.ConnectAsync(peer, configure: o => o.DangerousDeflateOptions = new WebSocketDeflateOptions());
        await client.SendTextAsync("ctl:handshake");
        using (var handshake = JsonDocument.Parse((await client.ReceiveAsync()).Text))
        {
            Assert.StartsWith("permessage-deflate", handshake.RootElement.GetProperty("extensions").GetString());
        }

        // 'a' repeated compresses to a few KiB: on the wire far below the limit, inflated exactly at it, then over it.
        var maximum = new string('a', InteropPeer.MaxMessageSize);
        await client.SendTextAsync(maximum);
        var echoed = await client.ReceiveAsync();
        Assert.True(maximum == echoed.Text, $"came back as {echoed}");

        await client.SendTextAsync(maximum + "a");
        var close = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Close, close.Type);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, close.CloseStatus);
    }
}
