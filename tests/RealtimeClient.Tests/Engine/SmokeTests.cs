using System.Net.WebSockets;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Engine;

public sealed class SmokeTests
{
    private sealed record Chat(string Text);

    [Fact]
    public async Task A_started_connection_sends_and_receives_text_and_typed_envelopes()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        using var texts = new Recorder<InboundMessage>(h.Connection.Messages);
        using var chats = new Recorder<Chat>(h.Connection.On<Chat>("chat"));

        await h.Connection.SendTextAsync("hello").Safe();
        await h.Connection.SendAsync("chat", new Chat("typed")).Safe();
        Assert.Equal("hello", (await server.ReceiveAsync().Safe()).Text);
        Assert.Equal("{\"type\":\"chat\",\"data\":{\"text\":\"typed\"}}", (await server.ReceiveAsync().Safe()).Text);

        await server.SendTextAsync("{\"type\":\"chat\",\"data\":{\"text\":\"from server\"}}");
        Assert.Equal("from server", (await chats.FirstAsync(_ => true)).Text);
        Assert.Contains("from server", (await texts.FirstAsync(_ => true)).Text);
    }

    [Fact]
    public async Task An_acknowledged_send_completes_on_the_ack_and_is_resent_after_a_drop()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        var send = h.Connection.SendAsync("chat", new Chat("a"), SendOptions.Acknowledged).AsTask();
        var first = await server.ReceiveAsync().Safe();
        Assert.Contains("\"id\":", first.Text);
        Assert.False(send.IsCompleted);

        server.Abort();
        var again = await h.ReconnectAsync();
        var resent = await again.ReceiveAsync().Safe();
        Assert.Equal(first.Text, resent.Text);

        var id = System.Text.Json.JsonDocument.Parse(resent.Bytes).RootElement.GetProperty("id").GetString();
        await again.SendTextAsync($"{{\"type\":\"ack\",\"id\":\"{id}\"}}");
        await send.Safe();
    }

    [Fact]
    public async Task Stop_closes_with_1000_and_dispose_completes_the_streams()
    {
        var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        await h.Connection.StopAsync().Safe();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await server.ClientClosed.Safe()).Status);
        Assert.Equal(ConnectionState.Closed, h.Connection.State);
        Assert.Equal(CloseReason.Stopped, h.States.Values[^1].CloseReason);
        await h.DisposeAsync();
        Assert.True(h.States.Completed);
    }
}
