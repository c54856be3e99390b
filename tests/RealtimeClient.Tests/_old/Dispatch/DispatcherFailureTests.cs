using System.Text;
using RealtimeClient.Codec;

namespace RealtimeClient.Tests.Dispatch;

public class DispatcherFailureTests
{
    private static readonly DispatchJsonContext Json = DispatchJsonContext.Default;

    [Theory]
    [InlineData("""{"type":"seq","data":{"n":""", "not well-formed JSON")]
    [InlineData("""{"type":"seq"} trailing""", "not well-formed JSON")]
    [InlineData("""[1,2,3]""", "not a JSON object")]
    [InlineData("\"just a string\"", "not a JSON object")]
    [InlineData("""{"data":{"n":1}}""", "no 'type' property")]
    [InlineData("""{"type":7,"data":{"n":1}}""", "not a string")]
    [InlineData("""{"type":"seq","data":{"n":"not a number"}}""", "does not fit Seq")]
    [InlineData("""{"type":"seq","data":[1]}""", "does not fit Seq")]
    [InlineData("""{"type":"seq","data":"text"}""", "does not fit Seq")]
    public async Task A_message_that_does_not_decode_is_reported_with_an_excerpt_and_dispatch_goes_on(string bad, string reason)
    {
        await using var f = new DispatchFixture();
        var seq = new Recorder<Seq>();
        var other = new Recorder<ChatMessage>();
        var raw = new Recorder<InboundMessage>();
        using var s1 = f.Dispatcher.On("seq", Json.Seq).Subscribe(seq);
        using var s2 = f.Dispatcher.On("message", Json.ChatMessage).Subscribe(other);
        using var s3 = f.Dispatcher.Messages.Subscribe(raw);

        await f.PostAsync("""{"type":"seq","data":{"n":1}}""");
        await f.PostAsync(bad);
        await f.PostAsync("""{"type":"seq","data":{"n":2}}""");
        await f.PostAsync("""{"type":"message","data":{"id":"m","text":"still here"}}""");
        await f.DrainAsync();

        var error = Assert.Single(f.Errors);
        Assert.Equal(ErrorKind.DecodeFailed, error.Kind);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(bad, error.Excerpt);
        Assert.Equal([new Seq(1), new Seq(2)], seq.Items);
        Assert.Equal("still here", Assert.Single(other.Items).Text);
        Assert.Equal(4, raw.Items.Count);
    }

    [Fact]
    public async Task Malformed_json_carries_the_parser_exception()
    {
        await using var f = new DispatchFixture();
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(new Recorder<Seq>());
        await f.PostAsync("""{"type":"seq",""");
        await f.DrainAsync();
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(Assert.Single(f.Errors).Exception);
    }

    [Fact]
    public async Task A_type_mismatch_fails_only_the_stream_whose_type_does_not_fit()
    {
        await using var f = new DispatchFixture();
        var strict = new Recorder<Seq>();
        var loose = new Recorder<System.Text.Json.JsonElement>();
        using var s1 = f.Dispatcher.On("seq", Json.Seq).Subscribe(strict);
        using var s2 = f.Dispatcher.On("seq", Json.JsonElement).Subscribe(loose);
        await f.PostAsync("""{"type":"seq","data":{"n":"x"}}""");
        await f.DrainAsync();

        Assert.Empty(strict.Items);
        Assert.Equal("x", Assert.Single(loose.Items).GetProperty("n").GetString());
        Assert.Equal(ErrorKind.DecodeFailed, Assert.Single(f.Errors).Kind);
    }

    [Fact]
    public async Task The_excerpt_is_bounded()
    {
        await using var f = new DispatchFixture();
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(new Recorder<Seq>());
        var huge = "{\"type\":\"seq\",\"data\":\"" + new string('é', 5000) + "\"";
        await f.PostAsync(huge);
        await f.DrainAsync();

        var excerpt = Assert.Single(f.Errors).Excerpt!;
        Assert.Equal(256, excerpt.Length);
        Assert.StartsWith("{\"type\":\"seq\"", excerpt, StringComparison.Ordinal);
        Assert.EndsWith("…", excerpt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_only_consumers_see_no_decode_errors()
    {
        await using var f = new DispatchFixture();
        var raw = new Recorder<InboundMessage>();
        using var s = f.Dispatcher.Messages.Subscribe(raw);
        await f.PostAsync("not json at all");
        await f.DrainAsync();

        Assert.Equal("not json at all", Assert.Single(raw.Items).Text);
        Assert.Empty(f.Errors);
    }

    [Fact]
    public async Task A_throwing_subscriber_is_reported_keeps_its_subscription_and_two_others_keep_receiving()
    {
        await using var f = new DispatchFixture();
        var thrower = new Recorder<Seq> { OnItem = s => throw new InvalidOperationException($"boom {s.N}") };
        var first = new Recorder<Seq>();
        var second = new Recorder<Seq>();
        var rawThrower = new Recorder<InboundMessage> { OnItem = _ => throw new FormatException("raw boom") };
        var envelopes = new Recorder<Envelope>();
        using var s1 = f.Dispatcher.On("seq", Json.Seq).Subscribe(first);
        using var s2 = f.Dispatcher.On("seq", Json.Seq).Subscribe(thrower);
        using var s3 = f.Dispatcher.On("seq", Json.Seq).Subscribe(second);
        using var s4 = f.Dispatcher.Messages.Subscribe(rawThrower);
        using var s5 = f.Dispatcher.Envelopes.Subscribe(envelopes);

        for (var i = 1; i <= 5; i++)
        {
            await f.PostAsync($$$"""{"type":"seq","data":{"n":{{{i}}}}}""");
        }

        await f.DrainAsync();

        int[] all = [1, 2, 3, 4, 5];
        Assert.Equal(all, first.Items.Select(s => s.N));
        Assert.Equal(all, second.Items.Select(s => s.N));
        Assert.Equal(all, thrower.Items.Select(s => s.N)); // still subscribed after throwing
        Assert.Equal(5, envelopes.Items.Count);
        Assert.Equal(1, first.Completions);
        Assert.Equal(1, thrower.Completions);

        var errors = f.Errors;
        Assert.Equal(10, errors.Count);
        Assert.All(errors, e => Assert.Equal(ErrorKind.SubscriberFailed, e.Kind));
        var typed = errors.Where(e => e.Exception is InvalidOperationException).ToList();
        Assert.Equal(["boom 1", "boom 2", "boom 3", "boom 4", "boom 5"], typed.Select(e => e.Exception!.Message));
        Assert.Contains("On<Seq>(\"seq\")", typed[0].Message, StringComparison.Ordinal);
        Assert.Equal("""{"type":"seq","data":{"n":1}}""", typed[0].Excerpt);
        Assert.Equal(5, errors.Count(e => e.Exception is FormatException && e.Message.Contains("Messages", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_throwing_error_sink_does_not_stop_dispatch()
    {
        await using var f = new DispatchFixture { ErrorHook = _ => throw new InvalidOperationException("sink") };
        var seq = new Recorder<Seq>();
        using var s = f.Dispatcher.On("seq", Json.Seq).Subscribe(seq);
        await f.PostAsync("garbage");
        await f.PostAsync("""{"type":"seq","data":{"n":1}}""");
        await f.DrainAsync();
        Assert.Single(seq.Items);
        Assert.Single(f.Errors);
    }

    [Fact]
    public async Task A_throwing_codec_is_a_decode_failure()
    {
        await using var f = new DispatchFixture(codec: new ThrowingCodec());
        var envelopes = new Recorder<Envelope>();
        using var s = f.Dispatcher.Envelopes.Subscribe(envelopes);
        await f.PostAsync("""{"type":"seq"}""");
        await f.DrainAsync();
        Assert.Empty(envelopes.Items);
        var error = Assert.Single(f.Errors);
        Assert.Equal(ErrorKind.DecodeFailed, error.Kind);
        Assert.IsType<NotSupportedException>(error.Exception);
    }

    private sealed class ThrowingCodec : IMessageCodec
    {
        private readonly JsonEnvelopeCodec _inner = new();

        public System.Text.Json.JsonSerializerOptions SerializerOptions => _inner.SerializerOptions;

        public bool TryReadEnvelope(ReadOnlySpan<byte> message, out EnvelopeHeader header, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? failure) => throw new NotSupportedException("codec bug");

        public bool TryReadHeader(ReadOnlySpan<byte> message, out string? type, out string? id) => _inner.TryReadHeader(message, out type, out id);

        public bool TryReadString(ReadOnlySpan<byte> message, string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => _inner.TryReadString(message, path, out value);

        public T? ReadPayload<T>(ReadOnlySpan<byte> payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) => _inner.ReadPayload(payload, typeInfo);

        public void WriteEnvelope<T>(System.Buffers.IBufferWriter<byte> output, string type, T payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, string? id) =>
            _inner.WriteEnvelope(output, type, payload, typeInfo, id);

        public bool TryAttachId(ReadOnlySpan<byte> jsonObject, string id, System.Buffers.IBufferWriter<byte> output) => _inner.TryAttachId(jsonObject, id, output);
    }
}
