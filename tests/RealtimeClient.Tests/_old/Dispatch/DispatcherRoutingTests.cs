using System.Text;
using System.Text.Json;
using RealtimeClient.Codec;

namespace RealtimeClient.Tests.Dispatch;

public class DispatcherRoutingTests
{
    private static readonly DispatchJsonContext Json = DispatchJsonContext.Default;

    [Fact]
    public async Task Typed_payloads_of_several_types_reach_their_observers_only()
    {
        await using var f = new DispatchFixture();
        var chatA = new Recorder<ChatMessage>();
        var chatB = new Recorder<ChatMessage>();
        var presence = new Recorder<Presence>();
        var elements = new Recorder<JsonElement>();
        using var s1 = f.Dispatcher.On("message", Json.ChatMessage).Subscribe(chatA);
        using var s2 = f.Dispatcher.On("message", Json.ChatMessage).Subscribe(chatB);
        using var s3 = f.Dispatcher.On("user_online", Json.Presence).Subscribe(presence);
        using var s4 = f.Dispatcher.On("message", Json.JsonElement).Subscribe(elements);

        await f.PostAsync("""{"type":"message","data":{"id":"m-1","text":"hello"}}""");
        await f.PostAsync("""{"type":"user_online","data":{"user":"ann","onlineCount":2},"timestamp":1}""");
        await f.PostAsync("""{"data":{"id":"m-2","text":"world"},"type":"message"}""");
        await f.DrainAsync();

        ChatMessage[] expected = [new("m-1", "hello"), new("m-2", "world")];
        Assert.Equal(expected, chatA.Items);
        Assert.Equal(expected, chatB.Items);
        Assert.Same(chatA.Items[0], chatB.Items[0]); // decoded once per type info
        Assert.Equal([new Presence("ann", 2)], presence.Items);
        Assert.Equal(["m-1", "m-2"], elements.Items.Select(e => e.GetProperty("id").GetString()));
        Assert.Empty(f.Errors);
    }

    [Fact]
    public async Task Unknown_types_are_unhandled_and_every_envelope_is_published()
    {
        await using var f = new DispatchFixture();
        var chat = new Recorder<ChatMessage>();
        var envelopes = new Recorder<Envelope>();
        var unhandled = new Recorder<Envelope>();
        f.Dispatcher.MarkHandled("ack");
        using var s1 = f.Dispatcher.On("message", Json.ChatMessage).Subscribe(chat);
        using var s2 = f.Dispatcher.Envelopes.Subscribe(envelopes);
        using var s3 = f.Dispatcher.Unhandled.Subscribe(unhandled);

        await f.PostAsync("""{"type":"message","data":{"id":"m-1","text":"hi"}}""");
        await f.PostAsync("""{"type":"kicked","code":409,"message":"elsewhere"}""");
        await f.PostAsync("""{"type":"ack","id":"c-1"}""");
        await f.PostAsync("""{"type":"surprise","id":"s-1","data":{"x":[1,2]}}""");
        await f.DrainAsync();

        Assert.Equal(["message", "kicked", "ack", "surprise"], envelopes.Items.Select(e => e.Type));
        Assert.Equal(["kicked", "surprise"], unhandled.Items.Select(e => e.Type));
        var kicked = unhandled.Items[0];
        Assert.False(kicked.HasData);
        Assert.Equal(409, kicked.Deserialize(Json.JsonElement).GetProperty("code").GetInt32());
        var surprise = unhandled.Items[1];
        Assert.Equal("s-1", surprise.Id);
        Assert.Equal("""{"x":[1,2]}""", Encoding.UTF8.GetString(surprise.Data.Span));
        Assert.Equal("""{"type":"surprise","id":"s-1","data":{"x":[1,2]}}""", surprise.GetText());
        Assert.Equal(2, surprise.GetData(Json.JsonElement).GetProperty("x").GetArrayLength());
        Assert.Equal("c-1", envelopes.Items[2].Id);
        Assert.Single(chat.Items);
        Assert.Empty(f.Errors);
    }

    [Fact]
    public async Task Published_envelopes_and_raw_messages_own_their_memory()
    {
        await using var f = new DispatchFixture();
        var raw = new Recorder<InboundMessage>();
        var envelopes = new Recorder<Envelope>();
        using var s1 = f.Dispatcher.Messages.Subscribe(raw);
        using var s2 = f.Dispatcher.Envelopes.Subscribe(envelopes);

        for (var i = 0; i < 50; i++)
        {
            await f.PostAsync($$$"""{"type":"t{{{i}}}","data":{"n":{{{i}}}}}""");
        }

        await f.PostAsync(MessageKind.Binary, [1, 2, 3]);
        await f.DrainAsync();

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal($$$"""{"type":"t{{{i}}}","data":{"n":{{{i}}}}}""", raw.Items[i].Text);
            Assert.Equal($"t{i}", envelopes.Items[i].Type);
            Assert.Equal($$$"""{"n":{{{i}}}}""", Encoding.UTF8.GetString(envelopes.Items[i].Data.Span));
        }

        Assert.Equal(MessageKind.Binary, raw.Items[50].Kind);
        Assert.Equal([1, 2, 3], raw.Items[50].Data.ToArray());
        Assert.Equal(50, envelopes.Items.Count); // binary messages are not decoded by default
        Assert.Empty(f.Errors);
    }

    [Fact]
    public async Task Binary_messages_are_decoded_when_asked_to()
    {
        await using var f = new DispatchFixture(new DispatchOptions { DecodeBinaryMessages = true });
        var seq = new Recorder<Seq>();
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(seq);
        await f.PostAsync(MessageKind.Binary, Encoding.UTF8.GetBytes("""{"type":"seq","data":{"n":1}}"""));
        await f.PostAsync(MessageKind.Binary, [0xff, 0xfe]);
        await f.DrainAsync();

        Assert.Equal([new Seq(1)], seq.Items);
        Assert.Equal(ErrorKind.DecodeFailed, Assert.Single(f.Errors).Kind);
    }

    [Fact]
    public async Task Order_is_preserved_across_streams()
    {
        await using var f = new DispatchFixture(new DispatchOptions { Overflow = DispatchOverflow.Wait });
        var order = new List<string>();
        var raw = new Recorder<InboundMessage> { OnItem = m => order.Add("raw") };
        var typed = new Recorder<Seq> { OnItem = s => order.Add($"seq{s.N}") };
        var envelopes = new Recorder<Envelope> { OnItem = _ => order.Add("env") };
        using var s1 = f.Dispatcher.Messages.Subscribe(raw);
        using var s2 = f.Dispatcher.On("seq", Json.Seq).Subscribe(typed);
        using var s3 = f.Dispatcher.Envelopes.Subscribe(envelopes);

        const int count = 2000;
        for (var i = 0; i < count; i++)
        {
            await f.PostAsync($$$"""{"type":"seq","data":{"n":{{{i}}}}}""");
        }

        await f.DrainAsync();

        Assert.Equal(Enumerable.Range(0, count), typed.Items.Select(s => s.N));
        Assert.Equal(count * 3, order.Count);
        Assert.Equal(["raw", "seq0", "env", "raw", "seq1", "env"], order.Take(6));
        Assert.Empty(f.Errors);
    }

    [Fact]
    public async Task A_message_without_data_delivers_null_to_reference_types()
    {
        await using var f = new DispatchFixture();
        var chat = new Recorder<ChatMessage>();
        using var s = f.Dispatcher.On("heartbeat", Json.ChatMessage).Subscribe(chat);
        await f.PostAsync("""{"type":"heartbeat","message":"pong"}""");
        await f.PostAsync("""{"type":"heartbeat","data":null}""");
        await f.DrainAsync();

        Assert.Equal(2, chat.Items.Count);
        Assert.All(chat.Items, Assert.Null);
        Assert.Empty(f.Errors);
    }

    [Fact]
    public async Task Disposing_a_subscription_stops_delivery_and_the_type_becomes_unhandled()
    {
        await using var f = new DispatchFixture();
        var chat = new Recorder<Seq>();
        var unhandled = new Recorder<Envelope>();
        var subscription = f.Dispatcher.On("seq", Json.Seq).Subscribe(chat);
        using var s = f.Dispatcher.Unhandled.Subscribe(unhandled);

        await f.PostAsync("""{"type":"seq","data":{"n":1}}""");
        await chat.WhenCountAsync(1);
        subscription.Dispose();
        subscription.Dispose();
        await f.PostAsync("""{"type":"seq","data":{"n":2}}""");
        await f.DrainAsync();

        Assert.Equal([new Seq(1)], chat.Items);
        Assert.Equal(0, chat.Completions); // a disposed subscription is not completed
        Assert.Equal([2], unhandled.Items.Select(e => e.GetData(Json.Seq)!.N));
    }

    [Fact]
    public async Task Custom_envelope_names_route_messages()
    {
        var codec = new JsonEnvelopeCodec(new JsonEnvelopeOptions { TypePropertyName = "event", DataPropertyName = "payload", IdPropertyName = "ref" });
        await using var f = new DispatchFixture(codec: codec);
        var seq = new Recorder<Seq>();
        var envelopes = new Recorder<Envelope>();
        using var s1 = f.Dispatcher.On("tick", Json.Seq).Subscribe(seq);
        using var s2 = f.Dispatcher.Envelopes.Subscribe(envelopes);
        await f.PostAsync("""{"event":"tick","ref":"r-9","payload":{"n":9}}""");
        await f.PostAsync("""{"type":"tick","data":{"n":10}}""");
        await f.DrainAsync();

        Assert.Equal([new Seq(9)], seq.Items);
        Assert.Equal("r-9", Assert.Single(envelopes.Items).Id);
        Assert.Contains("no 'event' property", Assert.Single(f.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reflection_based_type_info_works_with_the_default_options()
    {
        await using var f = new DispatchFixture();
        var seq = new Recorder<Seq>();
        using var s = f.Dispatcher.On("seq", f.Dispatcher.GetTypeInfo<Seq>()).Subscribe(seq);
        await f.PostAsync("""{"type":"seq","data":{"n":5}}""");
        await f.DrainAsync();
        Assert.Equal([new Seq(5)], seq.Items);
    }

    [Fact]
    public async Task The_overloads_without_type_info_use_source_generated_options_when_given()
    {
        var codec = new JsonEnvelopeCodec(new JsonEnvelopeOptions { SerializerOptions = Json.Options });
        await using var f = new DispatchFixture(codec: codec);
        var info = f.Dispatcher.GetTypeInfo<Seq>();
        Assert.Same(Json.Seq, info);
    }
}
