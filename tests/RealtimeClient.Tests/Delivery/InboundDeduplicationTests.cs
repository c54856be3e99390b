using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Delivery;

public sealed class InboundDeduplicationTests
{
    private static Func<RealtimeOptions, RealtimeOptions> Dedup => o => WithOutages(o) with
    {
        Acknowledgements = o.Acknowledgements with { InboundIdPath = "data.id" },
    };

    private static string Chat(string id, string text) => $"{{\"type\":\"message\",\"data\":{{\"id\":\"{id}\",\"text\":\"{text}\"}}}}";

    [Fact]
    public async Task Inbound_messages_with_an_already_delivered_id_are_delivered_once()
    {
        await using var h = new Harness(Dedup);
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        await server.SendTextAsync(Chat("a", "first"));
        await server.SendTextAsync(Chat("a", "first again"));
        await server.SendTextAsync(Chat("b", "second"));
        await server.SendTextAsync(Chat("a", "first a third time"));
        await server.SendTextAsync("{\"type\":\"heartbeat\"}");
        await server.SendTextAsync("{\"type\":\"heartbeat\"}");
        await server.SendTextAsync(Chat("end", "end"));
        await messages.FirstAsync(m => m.Text!.Contains("\"end\"", StringComparison.Ordinal));

        Assert.Equal(
            [Chat("a", "first"), Chat("b", "second"), "{\"type\":\"heartbeat\"}", "{\"type\":\"heartbeat\"}", Chat("end", "end")],
            messages.Values.Select(m => m.Text!));
    }

    [Fact]
    public async Task A_message_replayed_by_the_server_after_a_reconnect_is_delivered_once()
    {
        await using var h = new Harness(Dedup);
        var first = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        await first.SendTextAsync(Chat("a", "one"));
        await first.SendTextAsync(Chat("b", "two"));
        await messages.FirstAsync(m => m.Text!.Contains("\"b\"", StringComparison.Ordinal));

        var outage = await BreakAsync(h, first);
        var second = await outage.HealAsync();
        await second.SendTextAsync(Chat("a", "one"));
        await second.SendTextAsync(Chat("b", "two"));
        await second.SendTextAsync(Chat("c", "three"));
        await messages.FirstAsync(m => m.Text!.Contains("\"c\"", StringComparison.Ordinal));

        Assert.Equal([Chat("a", "one"), Chat("b", "two"), Chat("c", "three")], messages.Values.Select(m => m.Text!));
    }

    [Fact]
    public async Task Without_an_inbound_id_path_duplicates_are_delivered_as_they_come()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        await server.SendTextAsync(Chat("a", "x"));
        await server.SendTextAsync(Chat("a", "x"));
        await server.SendTextAsync(Chat("end", "end"));
        await messages.FirstAsync(m => m.Text!.Contains("\"end\"", StringComparison.Ordinal));

        Assert.Equal(2, messages.Values.Count(m => m.Text == Chat("a", "x")));
    }
}
