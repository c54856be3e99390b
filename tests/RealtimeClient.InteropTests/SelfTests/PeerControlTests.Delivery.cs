using System.Net.WebSockets;
using System.Text.Json;
using RealtimeClient.InteropTests.Client;

namespace RealtimeClient.InteropTests.SelfTests;

/// <summary>Acknowledgement mode and the log, across a kill and a restart.</summary>
public abstract partial class PeerControlTests
{
    [Fact]
    public async Task Acknowledgement_mode_acks_every_id_and_echoes_a_repeated_id_only_once()
    {
        await using var client = await RawClient.ConnectAsync(peer, "/ack");
        var message = $$"""{"type":"chat","id":"{{client.Tag}}-1","data":"hello"}""";

        await client.SendTextAsync(message);
        Assert.Equal(message, (await client.ReceiveAsync()).Text);
        AssertAck($"{client.Tag}-1", await client.ReceiveAsync());

        await client.SendTextAsync(message);
        AssertAck($"{client.Tag}-1", await client.ReceiveAsync());

        // Text that is not an object with a string id is echoed, not acknowledged; nothing else came in between.
        await client.SendTextAsync("""{"id":7}""");
        Assert.Equal("""{"id":7}""", (await client.ReceiveAsync()).Text);

        var texts = peer.Log.ForTag(client.Tag).Where(e => e.Event == "text").ToList();
        Assert.Equal([$"{client.Tag}-1", $"{client.Tag}-1", null], texts.Select(e => e.Id));
        Assert.Equal([false, true, false], texts.Select(e => e.Duplicate));
    }

    [Fact]
    public async Task Refuse_control_answers_the_next_message_with_that_id_with_an_error_repeating_it_instead_of_echo_and_ack()
    {
        await using var client = await RawClient.ConnectAsync(peer, "/ack");
        var id = $"{client.Tag}-refused";
        var message = $$"""{"type":"chat","id":"{{id}}","data":"not this"}""";
        await client.SendTextAsync($"ctl:refuse {id} 403 forbidden text");
        await client.SendTextAsync(message);

        using (var error = JsonDocument.Parse((await client.ReceiveAsync()).Text))
        {
            Assert.Equal("error", error.RootElement.GetProperty("type").GetString());
            Assert.Equal(id, error.RootElement.GetProperty("id").GetString());
            Assert.Equal(403, error.RootElement.GetProperty("code").GetInt32());
            Assert.Equal("forbidden text", error.RootElement.GetProperty("message").GetString());
        }

        // Once only: the same id again is a new message to the peer (the refusal is not an acknowledgement).
        await client.SendTextAsync(message);
        Assert.Equal(message, (await client.ReceiveAsync()).Text);
        AssertAck(id, await client.ReceiveAsync());

        var texts = peer.Log.ForTag(client.Tag).Where(e => e.Event == "text").ToList();
        Assert.Equal([true, false], texts.Select(e => e.Refused));
        Assert.Equal([false, false], texts.Select(e => e.Duplicate));
    }

    [Fact]
    public async Task Without_acknowledgement_mode_a_message_with_an_id_is_only_echoed()
    {
        await using var client = await RawClient.ConnectAsync(peer, "/echo");
        var message = $$"""{"id":"{{client.Tag}}"}""";
        await client.SendTextAsync(message);
        await client.SendTextAsync(message);
        await client.SendTextAsync("last");

        Assert.Equal(message, (await client.ReceiveAsync()).Text);
        Assert.Equal(message, (await client.ReceiveAsync()).Text);
        Assert.Equal("last", (await client.ReceiveAsync()).Text);
    }

    [Fact]
    public async Task The_log_keeps_messages_in_order_and_ids_deduplicated_across_a_kill_and_a_restart()
    {
        var first = await RawClient.ConnectAsync(peer, "/ack");
        await using (first)
        {
            await first.SendTextAsync($$"""{"id":"{{first.Tag}}-a"}""");
            Assert.Equal($$"""{"id":"{{first.Tag}}-a"}""", (await first.ReceiveAsync()).Text);
            AssertAck($"{first.Tag}-a", await first.ReceiveAsync());

            await peer.KillAsync();
            Assert.False(peer.IsRunning);
            await Assert.ThrowsAsync<WebSocketException>(first.ReceiveAsync);
        }

        await peer.StartAsync();
        Assert.True(peer.IsRunning, peer.Output);
        await using var second = await RawClient.ConnectAsync(peer, "/ack", tag: first.Tag);

        // The restarted peer read the ids back from its log: "a" again is acknowledged, not echoed; "b" is new.
        await second.SendTextAsync($$"""{"id":"{{first.Tag}}-a"}""");
        AssertAck($"{first.Tag}-a", await second.ReceiveAsync());
        await second.SendTextAsync($$"""{"id":"{{first.Tag}}-b"}""");
        Assert.Equal($$"""{"id":"{{first.Tag}}-b"}""", (await second.ReceiveAsync()).Text);
        AssertAck($"{first.Tag}-b", await second.ReceiveAsync());

        var lines = peer.Log.ForTag(first.Tag);
        var texts = lines.Where(e => e.Event == "text").ToList();
        Assert.Equal([$"{first.Tag}-a", $"{first.Tag}-a", $"{first.Tag}-b"], texts.Select(e => e.Id));
        Assert.Equal([false, true, false], texts.Select(e => e.Duplicate));
        var connections = lines.Where(e => e.Event == "open").Select(e => e.Conn).ToList();
        Assert.Equal(2, connections.Count);
        Assert.NotEqual(connections[0].Split('.')[0], connections[1].Split('.')[0]);
    }

    private static void AssertAck(string id, ReceivedMessage message)
    {
        using var ack = JsonDocument.Parse(message.Text);
        Assert.Equal("ack", ack.RootElement.GetProperty("type").GetString());
        Assert.Equal(id, ack.RootElement.GetProperty("id").GetString());
    }
}
