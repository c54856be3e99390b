using System.Net.WebSockets;
using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Matrix;
using RealtimeClient.InteropTests.Peers;
using RealtimeClient.Tests.TestKit;

namespace RealtimeClient.InteropTests.Scenarios;

/// <summary>
/// What happens to the messages: across a kill and a restart of the server (with and without acknowledgements, read back
/// from the peer's log), and when the server refuses one (an error repeating its id, or a close 1009 after it).
/// </summary>
[ScenarioGroup("Delivery", 4)]
public abstract class DeliveryScenarios(InteropPeer peer)
{
    [Fact]
    public async Task Messages_queued_while_the_server_is_down_go_out_in_order_exactly_once_after_its_restart()
    {
        await using var client = await PeerConnection.ConnectAsync(peer);
        Assert.Equal("before", await client.EchoAsync("before"));

        var queued = Enumerable.Range(1, 20).Select(i => $"queued {i}").ToList();
        List<Task> sends;
        await peer.KillAsync();
        try
        {
            Assert.Equal(ConnectionState.Reconnecting, (await client.NextDisconnectAsync()).Current);
            sends = [.. queued.Select(text => client.Connection.SendTextAsync(text).AsTask())];
            Assert.Equal(queued.Count, client.Connection.PendingCount);
        }
        finally
        {
            await peer.StartAsync();
        }

        await Task.WhenAll(sends).Safe();
        foreach (var text in queued)
        {
            Assert.Equal(text, (await client.NextMessageAsync()).Text);
        }

        Assert.Equal(["before", .. queued], peer.Log.ForTag(client.Tag).Where(e => e.Event == "text").Select(e => e.Text));
    }

    [Fact]
    public async Task Acknowledged_messages_sent_before_at_and_after_a_server_kill_are_accepted_in_order_exactly_once()
    {
        await using var client = await PeerConnection.ConnectAsync(peer, path: "/ack");
        var ids = new List<string?>();
        Task Send(string name)
        {
            var id = $"{client.Tag}-{name}";
            ids.Add(id);
            return client.Connection.SendTextAsync(PeerConnection.Envelope("chat", id, name), SendOptions.Acknowledged).AsTask();
        }

        await Task.WhenAll(Enumerable.Range(1, 10).Select(i => Send($"before-{i}"))).Safe();

        // Sent as the server dies: written or not, acknowledged or not; resent after the restart with the same ids.
        var atTheKill = Enumerable.Range(1, 10).Select(i => Send($"at-the-kill-{i}")).ToList();
        List<Task> duringTheOutage;
        await peer.KillAsync();
        try
        {
            Assert.Equal(ConnectionState.Reconnecting, (await client.NextDisconnectAsync()).Current);
            duringTheOutage = [.. Enumerable.Range(1, 10).Select(i => Send($"during-the-outage-{i}"))];
        }
        finally
        {
            await peer.StartAsync();
        }

        await Task.WhenAll([.. atTheKill, .. duringTheOutage]).Safe();
        Assert.Equal(0, client.Connection.UnacknowledgedCount);

        // The peer de-duplicates by id across its restart (it reads its log back): what it accepted is every message
        // once, in the order of the sends; a resent copy is logged as a duplicate.
        var accepted = peer.Log.ForTag(client.Tag).Where(e => e.Event == "text" && !e.Duplicate).Select(e => e.Id).ToList();
        Assert.Equal(ids, accepted);
    }

    [Fact]
    public async Task A_message_the_server_refuses_by_its_id_fails_Rejected_with_the_code_and_message_and_the_messages_behind_it_go_out()
    {
        await using var client = await PeerConnection.ConnectAsync(peer, path: "/ack");
        var refusedId = $"{client.Tag}-refused";
        await client.SendTextAsync($"ctl:refuse {refusedId} 403 forbidden text");

        var refused = client.Connection.SendTextAsync(PeerConnection.Envelope("chat", refusedId, "not this"), SendOptions.Acknowledged).AsTask();
        var behindIds = Enumerable.Range(1, 3).Select(i => $"{client.Tag}-behind-{i}").ToList();
        var behind = behindIds.Select(id => client.Connection.SendTextAsync(PeerConnection.Envelope("chat", id, "fine"), SendOptions.Acknowledged).AsTask()).ToList();

        var error = await Assert.ThrowsAsync<MessageDeliveryException>(() => refused.Safe());
        Assert.Equal(DeliveryFailureReason.Rejected, error.Reason);
        Assert.Equal(refusedId, error.MessageId);
        Assert.Equal("403", error.Rejection!.Code);
        Assert.Equal("forbidden text", error.Rejection.Message);
        Assert.Equal("error", error.Rejection.Type);

        await Task.WhenAll(behind).Safe();
        var lines = peer.Log.ForTag(client.Tag).Where(e => e.Event == "text").ToList();
        Assert.Equal([refusedId, .. behindIds], lines.Select(e => e.Id));
        Assert.Equal([true, false, false, false], lines.Select(e => e.Refused));
        Assert.Empty(client.Disconnects);
    }

    [Fact]
    public async Task A_message_over_the_servers_own_limit_fails_Rejected_with_1009_after_one_retry_and_the_messages_behind_it_go_out()
    {
        await using var client = await PeerConnection.ConnectAsync(peer, path: "/ack");
        var bigId = $"{client.Tag}-big";
        var big = client.Connection.SendTextAsync(
            PeerConnection.Envelope("chat", bigId, new string('x', InteropPeer.MaxMessageSize + (256 * 1024))), SendOptions.Acknowledged).AsTask();
        var behindIds = Enumerable.Range(1, 3).Select(i => $"{client.Tag}-behind-{i}").ToList();
        var behind = behindIds.Select(id => client.Connection.SendTextAsync(PeerConnection.Envelope("chat", id, "fine"), SendOptions.Acknowledged).AsTask()).ToList();

        var error = await Assert.ThrowsAsync<MessageDeliveryException>(() => big.Safe());
        Assert.Equal(DeliveryFailureReason.Rejected, error.Reason);
        Assert.Equal(bigId, error.MessageId);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, error.Rejection!.CloseStatus);

        await Task.WhenAll(behind).Safe();
        var lines = peer.Log.ForTag(client.Tag);
        Assert.Equal(behindIds, lines.Where(e => e.Event == "text" && !e.Duplicate).Select(e => e.Id));

        // Written twice (the first connection and one retry), refused by a 1009 each time; the rest went out on the third.
        var story = $"disconnects: {string.Join(" | ", client.Disconnects.Select(d => $"{d.Kind} {d.Cause} {d.Exception?.GetType().Name}"))}{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
        Assert.True(lines.Count(e => e.Event == "open") == 3, story);
        var closes = client.Disconnects.Where(d => d.Kind == DisconnectKind.ServerClosed).ToList();
        Assert.Equal(2, closes.Count);
        Assert.All(closes, d => Assert.Equal(WebSocketCloseStatus.MessageTooBig, d.CloseStatus));
    }
}
