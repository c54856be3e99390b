using System.Net.WebSockets;
using System.Text.Json;
using RealtimeClient.InteropTests.Client;

namespace RealtimeClient.InteropTests.SelfTests;

/// <summary>The send controls and the handshake report.</summary>
public abstract partial class PeerControlTests
{
    [Fact]
    public async Task Send_controls_send_the_documented_patterns_in_the_frames_asked_for()
    {
        await using var client = await RawClient.ConnectAsync(peer);

        await client.SendTextAsync("ctl:send-text 0");
        var empty = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Text, empty.Type);
        Assert.Empty(empty.Data);

        await client.SendTextAsync("ctl:send-text 70000 3");
        var text = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Text, text.Type);
        Assert.True(Payloads.Text(70_000).AsSpan().SequenceEqual(text.Data), $"got {text}");
        Assert.True(text.ChunkSizes.Count >= 3, $"read in {text.ChunkSizes.Count} pieces, so fewer than 3 frames");

        // Twice the default MaxMessageSize: the "over the limit" scenarios ask the peer for this.
        await client.SendTextAsync("ctl:send-binary 2097152");
        var binary = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, binary.Type);
        Assert.True(Payloads.Binary(2 * 1024 * 1024).AsSpan().SequenceEqual(binary.Data), $"got {binary}");
    }

    [Fact]
    public async Task Send_fragmented_control_splits_characters_across_frames_and_the_text_arrives_whole()
    {
        await using var client = await RawClient.ConnectAsync(peer);
        await client.SendTextAsync("ctl:send-fragmented aé€😀b");

        var message = await client.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Text, message.Type);
        Assert.Equal("aé€😀b", message.Text);

        // A read never spans two frames: a read that ends on the first byte of a character proves the split.
        var end = 0;
        var splitInsideACharacter = false;
        foreach (var size in message.ChunkSizes)
        {
            end += size;
            splitInsideACharacter |= message.Data[end - 1] >= 0xC0;
        }

        Assert.True(splitInsideACharacter, $"reads of {string.Join(", ", message.ChunkSizes)} bytes: no frame ends inside a character");
    }

    [Fact]
    public async Task Send_invalid_utf8_control_sends_a_text_frame_the_client_refuses_with_1007()
    {
        await using var client = await RawClient.ConnectAsync(peer);
        await client.SendTextAsync("ctl:send-invalid-utf8");

        // ClientWebSocket checks UTF-8, sends a close with 1007 and throws; the peer records that close once the
        // connection is gone (dropped here rather than after the peer's own close timeout).
        await Assert.ThrowsAsync<WebSocketException>(client.ReceiveAsync);
        await client.DisposeAsync();
        var record = await peer.Log.WaitForAsync(client.Tag, e => e.Event == "close");
        Assert.Equal(1007, record.Code);
    }

    [Fact]
    public async Task Handshake_control_reports_path_query_headers_subprotocol_and_extensions()
    {
        await using var client = await RawClient.ConnectAsync(peer, "/rooms/7", "access_token=query-secret", o =>
        {
            o.SetRequestHeader("Authorization", "Bearer header-secret");
            o.SetRequestHeader("X-Interop-Check", "42");
            o.AddSubProtocol("chat.v2");
            o.AddSubProtocol("chat.v1");
            o.DangerousDeflateOptions = new WebSocketDeflateOptions();
        });
        Assert.Equal("chat.v2", client.Socket.SubProtocol);

        await client.SendTextAsync("ctl:handshake");
        var reply = await client.ReceiveAsync();
        using var handshake = JsonDocument.Parse(reply.Text);
        var root = handshake.RootElement;
        Assert.Equal("handshake", root.GetProperty("type").GetString());
        Assert.Equal("/rooms/7", root.GetProperty("path").GetString());
        Assert.Equal($"?tag={client.Tag}&access_token=query-secret", root.GetProperty("query").GetString());
        var headers = root.GetProperty("headers");
        Assert.Equal("Bearer header-secret", headers.GetProperty("authorization").GetString());
        Assert.Equal("42", headers.GetProperty("x-interop-check").GetString());
        Assert.Equal("chat.v2, chat.v1", headers.GetProperty("sec-websocket-protocol").GetString());
        Assert.Equal("chat.v2", root.GetProperty("subprotocol").GetString());
        Assert.StartsWith("permessage-deflate", root.GetProperty("extensions").GetString());
    }

    [Fact]
    public async Task Without_a_subprotocol_or_deflate_offered_the_handshake_reports_none()
    {
        await using var client = await RawClient.ConnectAsync(peer);
        await client.SendTextAsync("ctl:handshake");

        using var handshake = JsonDocument.Parse((await client.ReceiveAsync()).Text);
        Assert.Equal(JsonValueKind.Null, handshake.RootElement.GetProperty("subprotocol").ValueKind);
        Assert.Equal(JsonValueKind.Null, handshake.RootElement.GetProperty("extensions").ValueKind);
        Assert.Null(client.Socket.SubProtocol);
    }

    [Fact]
    public async Task An_unknown_control_is_answered_with_a_ctl_error_and_the_connection_goes_on()
    {
        await using var client = await RawClient.ConnectAsync(peer);
        await client.SendTextAsync("ctl:no-such-control");

        using var reply = JsonDocument.Parse((await client.ReceiveAsync()).Text);
        Assert.Equal("ctl-error", reply.RootElement.GetProperty("type").GetString());
        await client.SendTextAsync("still here");
        Assert.Equal("still here", (await client.ReceiveAsync()).Text);
    }
}
