using System.Reactive;
using System.Text;
using System.Text.Json;
using RealtimeClient.Serialization;

namespace RealtimeClient.Tests.Dispatch;

/// <summary>Which stream gets which message, in which order, decoded how often.</summary>
public class DispatcherRoutingTests
{
    [Fact]
    public async Task Typed_payloads_of_several_types_reach_their_observers_only_decoded_once_per_payload_type()
    {
        await using var f = new DispatchFixture();
        using var chatA = new Recorder<ChatMessage>(f.Dispatcher.On<ChatMessage>("message"));
        using var chatB = new Recorder<ChatMessage>(f.Dispatcher.On<ChatMessage>("message"));
        using var presence = new Recorder<Presence>(f.Dispatcher.On<Presence>("user_online"));
        using var elements = new Recorder<JsonElement>(f.Dispatcher.On<JsonElement>("message"));

        await f.PostAsync("""{"type":"message","data":{"id":"m-1","text":"hello"}}""");
        await f.PostAsync("""{"type":"user_online","data":{"user":"ann","onlineCount":2},"timestamp":1}""");
        await f.PostAsync("""{"data":{"id":"m-2","text":"world"},"type":"message"}""");
        await f.DrainAsync();

        ChatMessage[] expected = [new("m-1", "hello"), new("m-2", "world")];
        Assert.Equal(expected, chatA.Values);
        Assert.Equal(expected, chatB.Values);
        Assert.Same(chatA.Values[0], chatB.Values[0]); // decoded once per payload type
        Assert.Equal([new Presence("ann", 2)], presence.Values);
        Assert.Equal(["m-1", "m-2"], elements.Values.Select(e => e.GetProperty("id").GetString()));
        Assert.Empty(f.Errors.Values);
    }

    [Fact]
    public async Task Unknown_types_are_unhandled_the_engines_own_types_never_are_and_every_envelope_is_published()
    {
        await using var f = new DispatchFixture(engineTypes: "ack");
        using var chat = new Recorder<ChatMessage>(f.Dispatcher.On<ChatMessage>("message"));
        using var envelopes = new Recorder<Envelope>(f.Dispatcher.Envelopes);
        using var unhandled = new Recorder<Envelope>(f.Dispatcher.Unhandled);

        await f.PostAsync("""{"type":"message","data":{"id":"m-1","text":"hi"}}""");
        await f.PostAsync("""{"type":"kicked","code":409,"message":"elsewhere"}""");
        await f.PostAsync("""{"type":"ack","id":"c-1"}""");
        await f.PostAsync("""{"type":"surprise","id":"s-1","data":{"x":[1,2]}}""");
        await f.DrainAsync();

        Assert.Equal(["message", "kicked", "ack", "surprise"], envelopes.Values.Select(e => e.Type));
        Assert.Equal(["kicked", "surprise"], unhandled.Values.Select(e => e.Type));
        var kicked = unhandled.Values[0];
        Assert.False(kicked.HasPayload);
        Assert.True(kicked.TryGetValue("code", out var code));
        Assert.Equal("409", code);
        Assert.True(kicked.TryGetValue("message", out var message));
        Assert.Equal("elsewhere", message);
        Assert.Null(kicked.GetPayload<ChatMessage>());
        var surprise = unhandled.Values[1];
        Assert.Equal("s-1", surprise.Id);
        Assert.Equal(MessageKind.Text, surprise.Kind);
        Assert.Equal("""{"x":[1,2]}""", Encoding.UTF8.GetString(surprise.Payload.Span));
        Assert.Equal("""{"type":"surprise","id":"s-1","data":{"x":[1,2]}}""", surprise.GetText());
        Assert.Equal(2, surprise.GetPayload<JsonElement>().GetProperty("x").GetArrayLength());
        Assert.Equal("c-1", envelopes.Values[2].Id);
        Assert.Single(chat.Values);
        Assert.Empty(f.Errors.Values);
    }

    [Fact]
    public async Task Published_envelopes_and_raw_messages_own_their_memory()
    {
        await using var f = new DispatchFixture();
        using var raw = new Recorder<InboundMessage>(f.Dispatcher.Messages);
        using var envelopes = new Recorder<Envelope>(f.Dispatcher.Envelopes);

        for (var i = 0; i < 50; i++)
        {
            await f.PostAsync($$$"""{"type":"t{{{i}}}","data":{"n":{{{i}}}}}""");
        }

        await f.PostAsync(MessageKind.Binary, [1, 2, 3]);
        await f.DrainAsync();

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal($$$"""{"type":"t{{{i}}}","data":{"n":{{{i}}}}}""", raw.Values[i].Text);
            Assert.Equal($"t{i}", envelopes.Values[i].Type);
            Assert.Equal($$$"""{"n":{{{i}}}}""", Encoding.UTF8.GetString(envelopes.Values[i].Payload.Span));
        }

        Assert.Equal(MessageKind.Binary, raw.Values[50].Kind);
        Assert.Equal([1, 2, 3], raw.Values[50].Data.ToArray());
        Assert.Equal(50, envelopes.Values.Count); // binary messages are not read as envelopes by default
        Assert.Empty(f.Errors.Values);
    }

    [Fact]
    public async Task Binary_messages_are_read_as_envelopes_when_the_format_says_so()
    {
        await using var f = new DispatchFixture(format: new JsonEnvelopeFormat(new JsonEnvelopeOptions { ReadBinaryMessages = true }));
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var envelopes = new Recorder<Envelope>(f.Dispatcher.Envelopes);
        await f.PostAsync(MessageKind.Binary, Encoding.UTF8.GetBytes("""{"type":"seq","data":{"n":1}}"""));
        await f.PostAsync(MessageKind.Binary, [0xff, 0xfe]);
        await f.DrainAsync();

        Assert.Equal([new Seq(1)], seq.Values);
        Assert.Equal(MessageKind.Binary, Assert.Single(envelopes.Values).Kind);
        var error = Assert.Single(f.Errors.Values);
        Assert.Equal(ErrorKind.DecodeFailed, error.Kind);
        Assert.Equal("FFFE", error.Excerpt);
    }

    [Fact]
    public async Task Order_is_preserved_across_streams()
    {
        await using var f = new DispatchFixture(new DispatchOptions { Overflow = DispatchOverflow.Wait });
        var order = new List<string>();
        using var typed = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var s1 = f.Dispatcher.Messages.Subscribe(Observer.Create<InboundMessage>(_ => order.Add("raw")));
        using var s2 = f.Dispatcher.On<Seq>("seq").Subscribe(Observer.Create<Seq>(s => order.Add($"seq{s.N}")));
        using var s3 = f.Dispatcher.Envelopes.Subscribe(Observer.Create<Envelope>(_ => order.Add("env")));

        const int count = 2000;
        for (var i = 0; i < count; i++)
        {
            await f.PostAsync($$$"""{"type":"seq","data":{"n":{{{i}}}}}""");
        }

        await f.DrainAsync();

        Assert.Equal(Enumerable.Range(0, count), typed.Values.Select(s => s.N));
        Assert.Equal(count * 3, order.Count);
        Assert.Equal(["raw", "seq0", "env", "raw", "seq1", "env"], order.Take(6));
        Assert.Empty(f.Errors.Values);
    }

    [Fact]
    public async Task A_message_without_data_delivers_null_to_reference_types()
    {
        await using var f = new DispatchFixture();
        using var chat = new Recorder<ChatMessage?>(f.Dispatcher.On<ChatMessage?>("heartbeat"));
        await f.PostAsync("""{"type":"heartbeat","message":"pong"}""");
        await f.PostAsync("""{"type":"heartbeat","data":null}""");
        await f.DrainAsync();

        Assert.Equal(2, chat.Values.Count);
        Assert.All(chat.Values, Assert.Null);
        Assert.Empty(f.Errors.Values);
    }

    [Fact]
    public async Task Disposing_a_subscription_stops_delivery_and_the_type_becomes_unhandled()
    {
        await using var f = new DispatchFixture();
        var chat = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var unhandled = new Recorder<Envelope>(f.Dispatcher.Unhandled);

        await f.PostAsync("""{"type":"seq","data":{"n":1}}""");
        await chat.FirstAsync(s => s.N == 1);
        chat.Dispose();
        chat.Dispose();
        await f.PostAsync("""{"type":"seq","data":{"n":2}}""");
        await f.DrainAsync();

        Assert.Equal([new Seq(1)], chat.Values);
        Assert.False(chat.Completed); // a disposed subscription is not completed
        Assert.Equal([2], unhandled.Values.Select(e => e.GetPayload<Seq>()!.N));
    }

    [Fact]
    public async Task Custom_envelope_names_route_messages()
    {
        var format = new JsonEnvelopeFormat(new JsonEnvelopeOptions { TypePropertyName = "event", DataPropertyName = "payload", IdPropertyName = "ref" });
        await using var f = new DispatchFixture(format: format);
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("tick"));
        using var envelopes = new Recorder<Envelope>(f.Dispatcher.Envelopes);
        await f.PostAsync("""{"event":"tick","ref":"r-9","payload":{"n":9}}""");
        await f.PostAsync("""{"type":"tick","data":{"n":10}}""");
        await f.DrainAsync();

        Assert.Equal([new Seq(9)], seq.Values);
        Assert.Equal("r-9", Assert.Single(envelopes.Values).Id);
        Assert.Contains("no 'event' property", Assert.Single(f.Errors.Values).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_serializer_reads_any_type_by_reflection()
    {
        await using var f = new DispatchFixture(serializer: SystemTextJsonSerializer.Default);
        using var seq = new Recorder<Unlisted>(f.Dispatcher.On<Unlisted>("seq"));
        await f.PostAsync("""{"type":"seq","data":{"value":5}}""");
        await f.DrainAsync();
        Assert.Equal([new Unlisted(5)], seq.Values);
    }

    [Fact]
    public async Task A_source_generated_serializer_reads_its_types_and_reports_one_it_does_not_know()
    {
        await using var f = new DispatchFixture(serializer: new SystemTextJsonSerializer(TestJsonContext.Default));
        using var known = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var unknown = new Recorder<Unlisted>(f.Dispatcher.On<Unlisted>("seq"));
        await f.PostAsync("""{"type":"seq","data":{"n":5,"value":5}}""");
        await f.DrainAsync();

        Assert.Equal([new Seq(5)], known.Values);
        Assert.Empty(unknown.Values);
        var error = Assert.Single(f.Errors.Values);
        Assert.Equal(ErrorKind.DecodeFailed, error.Kind);
        Assert.IsType<NotSupportedException>(error.Exception);
    }

    public sealed record Unlisted(int Value);
}
