using System.Text;
using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Matrix;
using RealtimeClient.InteropTests.Peers;
using RealtimeClient.Tests.TestKit;

namespace RealtimeClient.InteropTests.Scenarios;

/// <summary>Messages through the library and back: order, every length edge, large messages, the size limit exactly, fragments.</summary>
[ScenarioGroup("Messages", 1)]
public abstract class MessageScenarios(InteropPeer peer)
{
    [Fact]
    public async Task Echo_of_1000_text_messages_keeps_their_order()
    {
        await using var client = await PeerConnection.ConnectAsync(peer);
        var expected = Enumerable.Range(1, 1000).Select(i => (string?)$"message {i}").ToList();

        // Sent without waiting for each other: the order of the calls is the order on the wire.
        await Task.WhenAll(expected.Select(text => client.Connection.SendTextAsync(text!).AsTask())).Safe();
        var echoed = new List<string?>();
        foreach (var _ in expected)
        {
            echoed.Add((await client.NextMessageAsync()).Text);
        }

        Assert.Equal(expected, echoed);
        Assert.Equal(expected, peer.Log.ForTag(client.Tag).Where(e => e.Event == "text").Select(e => e.Text));
        Assert.Empty(client.Disconnects);
        Assert.Empty(client.Errors.Values);
    }

    [Fact]
    public async Task Binary_echo_keeps_every_length_edge_from_0_bytes_to_64_KiB_and_beyond()
    {
        await using var client = await PeerConnection.ConnectAsync(peer);
        foreach (var size in new[] { 0, 1, 125, 126, 127, 128, 65_535, 65_536, 65_537 })
        {
            var sent = Payloads.Binary(size);
            await client.Connection.SendBinaryAsync(sent).Safe();
            var echoed = await client.NextMessageAsync();
            Assert.Equal(MessageKind.Binary, echoed.Kind);
            Assert.True(sent.AsSpan().SequenceEqual(echoed.Data.Span), $"{size} bytes came back as {echoed}");
        }

        Assert.Empty(client.Disconnects);
    }

    [Fact]
    public async Task Messages_of_900_KiB_text_and_binary_come_back_whole()
    {
        await using var client = await PeerConnection.ConnectAsync(peer);
        var text = Encoding.ASCII.GetString(Payloads.Text(900 * 1024));
        var echoedText = await client.EchoAsync(text);
        Assert.True(text == echoedText, $"the text came back as {echoedText?.Length} characters");

        var binary = Payloads.Binary(900 * 1024);
        await client.Connection.SendBinaryAsync(binary).Safe();
        var echoedBinary = await client.NextMessageAsync();
        Assert.True(binary.AsSpan().SequenceEqual(echoedBinary.Data.Span), $"the binary came back as {echoedBinary}");
        Assert.Empty(client.Disconnects);
    }

    [Fact]
    public async Task A_message_of_exactly_MaxInboundMessageSize_is_accepted_in_one_frame_and_in_several()
    {
        const int limit = 512 * 1024;
        await using var client = await PeerConnection.ConnectAsync(peer, o => o with { MaxInboundMessageSize = limit });

        await client.SendTextAsync($"ctl:send-binary {limit}");
        var binary = await client.NextMessageAsync();
        Assert.True(Payloads.Binary(limit).AsSpan().SequenceEqual(binary.Data.Span), $"came as {binary}");

        await client.SendTextAsync($"ctl:send-text {limit} 3");
        var text = await client.NextMessageAsync();
        Assert.True(Payloads.Text(limit).AsSpan().SequenceEqual(PeerConnection.BytesOf(text)), $"came as {text}");
        Assert.Empty(client.Disconnects);
    }

    [Fact]
    public async Task Fragmented_text_with_characters_split_across_frames_arrives_whole()
    {
        await using var client = await PeerConnection.ConnectAsync(peer);
        foreach (var text in new[] { "aé€😀b", "Grüße — 你好 😀😀 ünd 𝄞 end", "no multi-byte character here" })
        {
            await client.SendTextAsync($"ctl:send-fragmented {text}");
            var message = await client.NextMessageAsync();
            Assert.Equal(MessageKind.Text, message.Kind);
            Assert.Equal(text, message.Text);
        }

        Assert.Empty(client.Disconnects);
    }
}
