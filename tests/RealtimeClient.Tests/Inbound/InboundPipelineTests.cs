using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using RealtimeClient.Serialization;
using RealtimeClient.Tests.Serialization;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Inbound;

/// <summary>
/// Acknowledgements, refusals, replies, de-duplication and fatal messages reach the engine from text and binary frames
/// alike: a JSON format that also reads binary messages, and a format whose own messages are binary.
/// </summary>
public class InboundPipelineTests
{
    public static TheoryData<string> Formats() => new() { "json in text frames", "json also in binary frames", "json in binary frames only" };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task An_acknowledgement_in_either_kind_of_frame_completes_the_acknowledged_send(string format)
    {
        await using var h = new Harness(o => o with { EnvelopeFormat = FormatFor(format) });
        var server = await h.StartAndAcceptAsync();

        var send = h.Connection.SendAsync("chat", new ChatMessage("m-1", "hi"), SendOptions.Acknowledged).AsTask();
        var written = await server.ReceiveAsync().Safe();
        Assert.Equal(KindOf(format), written.Kind);
        Assert.False(send.IsCompleted);

        await Reply(server, format, $$"""{"type":"ack","id":"{{IdOf(written)}}"}""");

        await send.Safe();
        Assert.Equal(0, h.Connection.UnacknowledgedCount);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_refusal_in_either_kind_of_frame_fails_the_send_at_once_with_the_servers_code_and_message(string format)
    {
        await using var h = new Harness(o => o with { EnvelopeFormat = FormatFor(format) });
        var server = await h.StartAndAcceptAsync();

        var send = h.Connection.SendAsync("chat", new ChatMessage("m-1", "hi"), SendOptions.Acknowledged).AsTask();
        var id = IdOf(await server.ReceiveAsync().Safe());
        await Reply(server, format, $$"""{"type":"error","id":"{{id}}","code":403,"message":"muted"}""");

        var failure = await Assert.ThrowsAsync<MessageDeliveryException>(() => send.Safe());
        Assert.Equal(DeliveryFailureReason.Rejected, failure.Reason);
        Assert.Equal(id, failure.MessageId);
        Assert.Equal("403", failure.Rejection!.Code);
        Assert.Equal("muted", failure.Rejection.Message);
        Assert.Equal("error", failure.Rejection.Type);
        Assert.Equal(format == "json in text frames" ? MessageKind.Text : MessageKind.Binary, failure.Rejection.Reply!.Kind);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_reply_in_either_kind_of_frame_completes_the_request_with_its_payload(string format)
    {
        await using var h = new Harness(o => o with { EnvelopeFormat = FormatFor(format) });
        var server = await h.StartAndAcceptAsync();

        var request = h.Connection.RequestAsync<Seq, Presence>("who", new Seq(1));
        var id = IdOf(await server.ReceiveAsync().Safe());
        await Reply(server, format, $$$"""{"type":"who_reply","id":"{{{id}}}","data":{"user":"ann","onlineCount":3}}""");

        Assert.Equal(new Presence("ann", 3), await request.Safe());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Duplicates_in_either_kind_of_frame_are_dropped_by_their_data_id(string format)
    {
        await using var h = new Harness(o => o with
        {
            EnvelopeFormat = FormatFor(format),
            Acknowledgements = o.Acknowledgements with { InboundIdPath = "data.id" },
        });
        var server = await h.StartAndAcceptAsync();
        using var chats = new Recorder<ChatMessage>(h.Connection.On<ChatMessage>("chat"));

        foreach (var id in (string[])["a", "b", "a", "c", "b"])
        {
            await Reply(server, format, $$$"""{"type":"chat","data":{"id":"{{{id}}}","text":"t"}}""");
        }

        await chats.FirstAsync(c => c.Id == "c");
        await Reply(server, format, """{"type":"chat","data":{"id":"end","text":"t"}}""");
        await chats.FirstAsync(c => c.Id == "end");
        Assert.Equal(["a", "b", "c", "end"], chats.Values.Select(c => c.Id));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_fatal_type_in_either_kind_of_frame_is_delivered_then_closes_the_connection_for_good(string format)
    {
        await using var h = new Harness(o => o with { EnvelopeFormat = FormatFor(format), FatalMessageTypes = ["kicked"] });
        var server = await h.StartAndAcceptAsync();
        using var envelopes = new Recorder<Envelope>(h.Connection.Envelopes);
        var closed = h.NextState(ConnectionState.Closed);

        await Reply(server, format, """{"type":"kicked","code":409}""");

        var change = await closed;
        Assert.Equal(CloseReason.FatalMessage, change.CloseReason);
        Assert.Equal("kicked", change.Disconnect!.MessageType);
        Assert.Equal("kicked", (await envelopes.FirstAsync(_ => true)).Type);
    }

    [Fact]
    public async Task A_message_the_fatal_predicate_picks_is_delivered_then_closes_the_connection_for_good()
    {
        await using var h = new Harness(o => o with { IsFatalMessage = m => m.Text == "BANNED" });
        var server = await h.StartAndAcceptAsync();
        using var raw = new Recorder<InboundMessage>(h.Connection.Messages);
        var closed = h.NextState(ConnectionState.Closed);

        await server.SendTextAsync("hello");
        await server.SendTextAsync("BANNED");

        var change = await closed;
        Assert.Equal(CloseReason.FatalMessage, change.CloseReason);
        await raw.FirstAsync(m => m.Text == "BANNED");
        Assert.Equal(["hello", "BANNED"], raw.Values.Select(m => m.Text));
    }

    [Fact]
    public async Task A_fatal_predicate_that_throws_is_reported_and_the_message_is_not_taken_as_fatal()
    {
        await using var h = new Harness(o => o with { IsFatalMessage = m => m.Text == "boom" ? throw new InvalidOperationException("predicate bug") : false });
        var server = await h.StartAndAcceptAsync();
        using var raw = new Recorder<InboundMessage>(h.Connection.Messages);

        await server.SendTextAsync("boom");
        await server.SendTextAsync("after");

        await raw.FirstAsync(m => m.Text == "after");
        Assert.Equal(["boom", "after"], raw.Values.Select(m => m.Text));
        var error = await h.Errors.FirstAsync(e => e.Kind == ErrorKind.SubscriberFailed);
        Assert.Equal("predicate bug", error.Exception!.Message);
        Assert.Contains("IsFatalMessage", error.Message, StringComparison.Ordinal);
        Assert.Equal("boom", error.Excerpt);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.DoesNotContain(h.States.Values, s => s.Current is ConnectionState.Reconnecting or ConnectionState.Closed);
    }

    [Fact]
    public async Task A_binary_frame_is_no_envelope_for_a_format_that_reads_text_only()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        using var raw = new Recorder<InboundMessage>(h.Connection.Messages);
        using var envelopes = new Recorder<Envelope>(h.Connection.Envelopes);

        var send = h.Connection.SendAsync("chat", new ChatMessage("m-1", "hi"), SendOptions.Acknowledged).AsTask();
        var id = IdOf(await server.ReceiveAsync().Safe());
        await server.SendBinaryAsync(Encoding.UTF8.GetBytes($$"""{"type":"ack","id":"{{id}}"}"""));
        await server.SendTextAsync("""{"type":"marker"}""");

        await envelopes.FirstAsync(e => e.Type == "marker");
        Assert.False(send.IsCompleted); // the binary ack was published raw, not read
        Assert.Equal(MessageKind.Binary, raw.Values[0].Kind);
        Assert.Single(envelopes.Values);
        Assert.Equal(1, h.Connection.UnacknowledgedCount);
    }

    [Fact]
    public async Task A_binary_envelope_with_invalid_utf8_is_a_decode_failure_and_the_connection_stays_up()
    {
        await using var h = new Harness(o => o with { EnvelopeFormat = FormatFor("json also in binary frames") });
        var server = await h.StartAndAcceptAsync();
        using var envelopes = new Recorder<Envelope>(h.Connection.Envelopes);
        var send = h.Connection.SendAsync("chat", new ChatMessage("m-1", "hi"), SendOptions.Acknowledged).AsTask(); // acks awaited: the receive loop reads every envelope
        var id = IdOf(await server.ReceiveAsync().Safe());

        await server.SendBinaryAsync([.. """{"type":"ack","id":"""u8, 0x22, 0xC3, 0x28, 0x22, (byte)'}']);
        await server.SendTextAsync($$"""{"type":"ack","id":"{{id}}"}""");

        await send.Safe();
        var error = await h.Errors.FirstAsync(e => e.Kind == ErrorKind.DecodeFailed);
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.Single(h.Server.Connections);
    }

    [Fact]
    public async Task An_envelope_format_that_throws_never_ends_the_connection()
    {
        await using var h = new Harness(o => o with { EnvelopeFormat = new ThrowingFormat(), Acknowledgements = o.Acknowledgements with { InboundIdPath = "data.id" } });
        var server = await h.StartAndAcceptAsync();
        using var raw = new Recorder<InboundMessage>(h.Connection.Messages);
        using var chats = new Recorder<ChatMessage>(h.Connection.On<ChatMessage>("chat"));
        var request = h.Connection.RequestAsync<Seq, Seq>("ask", new Seq(1)); // a request waits: the receive loop reads headers
        await server.ReceiveAsync().Safe();

        await server.SendTextAsync("""{"type":"chat","data":{"id":"1","text":"t"}}""");
        await server.SendTextAsync("second");

        await raw.FirstAsync(m => m.Text == "second");
        var error = await h.Errors.FirstAsync(e => e.Kind == ErrorKind.DecodeFailed);
        Assert.IsType<NotSupportedException>(error.Exception);
        Assert.Empty(chats.Values);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Reconnecting);
        Assert.False(request.IsCompleted);
    }

    private static IEnvelopeFormat FormatFor(string name) => name switch
    {
        "json in text frames" => JsonEnvelopeFormat.Default,
        "json also in binary frames" => new JsonEnvelopeFormat(new JsonEnvelopeOptions { ReadBinaryMessages = true }),
        _ => new BinaryJsonFormat(),
    };

    private static WebSocketMessageType KindOf(string format) =>
        format == "json in binary frames only" ? WebSocketMessageType.Binary : WebSocketMessageType.Text;

    // The server answers in binary frames unless the format reads text only.
    private static Task Reply(FakeServerConnection server, string format, string json) => format == "json in text frames"
        ? server.SendTextAsync(json)
        : server.SendBinaryAsync(Encoding.UTF8.GetBytes(json));

    private static string IdOf(ReceivedFrame frame) => JsonDocument.Parse(frame.Bytes).RootElement.GetProperty("id").GetString()!;

    /// <summary>JSON envelopes in binary frames only: a format whose own messages are binary.</summary>
    private sealed class BinaryJsonFormat : IEnvelopeFormat
    {
        private readonly JsonEnvelopeFormat _json = new(new JsonEnvelopeOptions { ReadBinaryMessages = true });

        public MessageKind MessageKind => MessageKind.Binary;

        public ReadOnlyMemory<byte> MissingPayload => _json.MissingPayload;

        public bool CanRead(MessageKind kind) => kind == MessageKind.Binary;

        public bool TryReadHeader(ReadOnlySpan<byte> message, out EnvelopeHeader header, [NotNullWhen(false)] out string? failure) =>
            _json.TryReadHeader(message, out header, out failure);

        public bool TryReadValue(ReadOnlySpan<byte> message, string path, [NotNullWhen(true)] out string? value) =>
            _json.TryReadValue(message, path, out value);

        public void WriteEnvelope<T>(IBufferWriter<byte> output, string type, string? id, T payload, IPayloadSerializer serializer) =>
            _json.WriteEnvelope(output, type, id, payload, serializer);

        public bool TryAttachId(ReadOnlySpan<byte> message, string id, IBufferWriter<byte> output) => _json.TryAttachId(message, id, output);
    }
}
