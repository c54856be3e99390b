using System.Net.WebSockets;
using MessagePack;
using RealtimeClient.MessagePack;
using RealtimeClient.Serialization;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.MessagePackCodec;

/// <summary>
/// The codec seam proved with a second codec: a connection configured with the MessagePack format and serializer, and no
/// other change, sends, receives, acknowledges, refuses, de-duplicates and reports through binary frames.
/// </summary>
public class MessagePackConnectionTests
{
    private static Harness NewHarness(Func<RealtimeOptions, RealtimeOptions>? configure = null) => new(o =>
    {
        var options = o with { EnvelopeFormat = MessagePackEnvelopeFormat.Default, Serializer = MessagePackPayloadSerializer.Default };
        return configure?.Invoke(options) ?? options;
    });

    [Fact]
    public async Task Typed_sends_go_out_as_binary_MessagePack_envelopes_and_typed_streams_read_binary_ones()
    {
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();
        using var chats = new Recorder<MpChat>(h.Connection.On<MpChat>("chat"));
        using var envelopes = new Recorder<Envelope>(h.Connection.Envelopes);

        await h.Connection.SendAsync("chat", new MpChat("m-1", "hello")).AsTask().Safe();
        var frame = await server.ReceiveAsync().Safe();
        Assert.Equal(WebSocketMessageType.Binary, frame.Kind);
        Assert.Equal("""{"type":"chat","data":{"id":"m-1","text":"hello"}}""", Mp.Json(frame.Bytes));

        await server.SendBinaryAsync(Mp.Envelope(("type", "chat"), ("data", new MpChat("m-2", "from the server"))));

        Assert.Equal(new MpChat("m-2", "from the server"), await chats.FirstAsync(_ => true));
        var envelope = await envelopes.FirstAsync(_ => true);
        Assert.Equal(MessageKind.Binary, envelope.Kind);
        Assert.Equal(new MpChat("m-2", "from the server"), envelope.GetPayload<MpChat>());
        Assert.True(envelope.TryGetValue("data.id", out var id));
        Assert.Equal("m-2", id);
    }

    [Fact]
    public async Task ReadAllAsync_reads_MessagePack_payloads_in_order()
    {
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();
        await using var reader = h.Connection.ReadAllAsync<MpPresence>("presence").GetAsyncEnumerator();
        var first = reader.MoveNextAsync().AsTask(); // subscribes

        for (var i = 1; i <= 3; i++)
        {
            await server.SendBinaryAsync(Mp.Envelope(("type", "presence"), ("data", new MpPresence("u", i))));
        }

        Assert.True(await first.Safe());
        var online = new List<int> { reader.Current.Online };
        while (online.Count < 3 && await reader.MoveNextAsync().AsTask().Safe())
        {
            online.Add(reader.Current.Online);
        }

        Assert.Equal([1, 2, 3], online);
    }

    [Fact]
    public async Task An_acknowledged_send_completes_on_the_ack_with_its_id_and_is_resent_with_the_same_id_after_a_drop()
    {
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();

        var send = h.Connection.SendAsync("chat", new MpChat("m-1", "hi"), SendOptions.Acknowledged).AsTask();
        var first = await server.ReceiveAsync().Safe();
        var id = Mp.IdOf(first);
        Assert.False(send.IsCompleted);

        server.Abort();
        var again = await h.ReconnectAsync();
        var resent = await again.ReceiveAsync().Safe();
        Assert.Equal(first.Bytes, resent.Bytes);

        await again.SendBinaryAsync(Mp.Envelope(("type", "ack"), ("id", id)));
        await send.Safe();
        Assert.Equal(0, h.Connection.UnacknowledgedCount);
    }

    [Fact]
    public async Task A_refusal_by_id_fails_the_send_at_once_with_the_servers_code_and_message()
    {
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();

        var send = h.Connection.SendAsync("chat", new MpChat("m-1", "hi"), SendOptions.Acknowledged).AsTask();
        var id = Mp.IdOf(await server.ReceiveAsync().Safe());
        await server.SendBinaryAsync(Mp.Envelope(("type", "error"), ("id", id), ("code", 403), ("message", "muted")));

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => send.Safe());
        Assert.Equal(DeliveryFailureReason.Rejected, failure.Reason);
        Assert.Equal(id, failure.MessageId);
        Assert.Equal(("403", "muted"), (failure.Rejection!.Code, failure.Rejection.Message));
        Assert.Equal(MessageKind.Binary, failure.Rejection.Reply!.Kind);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Fact]
    public async Task A_request_is_answered_by_the_reply_carrying_its_id_and_a_refused_one_fails_with_the_refusal()
    {
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();

        var request = h.Connection.RequestAsync<MpChat, MpPresence>("who", new MpChat("q", "who is there"));
        var id = Mp.IdOf(await server.ReceiveAsync().Safe());
        await server.SendBinaryAsync(Mp.Envelope(("type", "who_reply"), ("id", id), ("data", new MpPresence("ann", 3))));
        Assert.Equal(new MpPresence("ann", 3), await request.Safe());

        var refused = h.Connection.RequestAsync<MpChat, MpPresence>("who", new MpChat("q", "again"));
        var refusedId = Mp.IdOf(await server.ReceiveAsync().Safe());
        await server.SendBinaryAsync(Mp.Envelope(("type", "error"), ("id", refusedId), ("code", "busy")));
        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => refused.Safe());
        Assert.Equal("busy", failure.Rejection!.Code);
    }

    [Fact]
    public async Task Inbound_duplicates_are_dropped_by_their_data_id()
    {
        await using var h = NewHarness(o => o with { Acknowledgements = o.Acknowledgements with { InboundIdPath = "data.id" } });
        var server = await h.StartAndAcceptAsync();
        using var chats = new Recorder<MpChat>(h.Connection.On<MpChat>("chat"));

        foreach (var id in (string[])["a", "b", "a", "c", "b", "end"])
        {
            await server.SendBinaryAsync(Mp.Envelope(("type", "chat"), ("data", new MpChat(id, "t"))));
        }

        await chats.FirstAsync(c => c.Id == "end");
        Assert.Equal(["a", "b", "c", "end"], chats.Values.Select(c => c.Id));
    }

    [Fact]
    public async Task Decode_failures_are_reported_with_a_hexadecimal_excerpt_and_the_connection_carries_on()
    {
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();
        using var chats = new Recorder<MpChat>(h.Connection.On<MpChat>("chat"));

        await server.SendBinaryAsync(Mp.Envelope(("type", "chat"), ("data", "not a chat")));
        await server.SendBinaryAsync(Mp.Pack(new[] { 1, 2 }));
        await server.SendBinaryAsync(Mp.Envelope(("type", "chat"), ("data", new MpChat("ok", "after"))));

        await chats.FirstAsync(c => c.Id == "ok");
        var errors = h.Errors.Values.Where(e => e.Kind == ErrorKind.DecodeFailed).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Contains("does not fit MpChat", errors[0].Message, StringComparison.Ordinal);
        Assert.IsType<MessagePackSerializationException>(errors[0].Exception);
        Assert.Equal(Convert.ToHexString(Mp.Envelope(("type", "chat"), ("data", "not a chat"))), errors[0].Excerpt);
        Assert.Contains("not a MessagePack map", errors[1].Message, StringComparison.Ordinal);
        Assert.Equal("920102", errors[1].Excerpt);
        Assert.Single(chats.Values);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Fact]
    public async Task Text_messages_are_published_raw_and_are_not_envelopes()
    {
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();
        using var raw = new Recorder<InboundMessage>(h.Connection.Messages);
        using var envelopes = new Recorder<Envelope>(h.Connection.Envelopes);

        await server.SendTextAsync("""{"type":"chat"}""");
        await server.SendBinaryAsync(Mp.Envelope(("type", "marker")));

        await envelopes.FirstAsync(e => e.Type == "marker");
        Assert.Equal(["""{"type":"chat"}""", null], raw.Values.Select(m => m.Text));
        Assert.Single(envelopes.Values);
        Assert.Empty(h.Errors.Values);
    }

    [Fact]
    public async Task An_acknowledged_binary_send_of_the_apps_own_envelope_gets_an_id_and_other_bytes_are_refused()
    {
        await using var h = NewHarness();
        var server = await h.StartAndAcceptAsync();

        var send = h.Connection.SendBinaryAsync(Mp.Envelope(("type", "raw"), ("data", 1)), SendOptions.Acknowledged).AsTask();
        var frame = await server.ReceiveAsync().Safe();
        var id = Mp.IdOf(frame);
        Assert.Equal($$"""{"id":"{{id}}","type":"raw","data":1}""", Mp.Json(frame.Bytes));
        await server.SendBinaryAsync(Mp.Envelope(("type", "ack"), ("id", id)));
        await send.Safe();

        var own = h.Connection.SendBinaryAsync(Mp.Envelope(("type", "raw"), ("id", "mine")), SendOptions.Acknowledged).AsTask();
        Assert.Equal("mine", Mp.IdOf(await server.ReceiveAsync().Safe())); // its own id is used
        await server.SendBinaryAsync(Mp.Envelope(("type", "ack"), ("id", "mine")));
        await own.Safe();

        await Assert.ThrowsAsync<ArgumentException>(() => h.Connection.SendBinaryAsync(Mp.Pack(7), SendOptions.Acknowledged).AsTask().Safe());
    }

    [Fact]
    public async Task A_fatal_type_closes_the_connection_for_good_after_delivering_it()
    {
        await using var h = NewHarness(o => o with { FatalMessageTypes = ["kicked"] });
        var server = await h.StartAndAcceptAsync();
        using var envelopes = new Recorder<Envelope>(h.Connection.Envelopes);
        var closed = h.NextState(ConnectionState.Closed);

        await server.SendBinaryAsync(Mp.Envelope(("type", "kicked"), ("code", 409)));

        Assert.Equal(CloseReason.FatalMessage, (await closed).CloseReason);
        Assert.Equal("kicked", (await envelopes.FirstAsync(_ => true)).Type);
    }
}
