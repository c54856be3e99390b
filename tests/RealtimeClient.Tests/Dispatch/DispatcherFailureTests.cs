using System.Buffers;
using System.Reactive;
using System.Text.Json;
using RealtimeClient.Serialization;
using RealtimeClient.Tests.Serialization;

namespace RealtimeClient.Tests.Dispatch;

/// <summary>What does not decode, and subscribers that throw: reported, skipped, and nothing else is touched.</summary>
public class DispatcherFailureTests
{
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
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var other = new Recorder<ChatMessage>(f.Dispatcher.On<ChatMessage>("message"));
        using var raw = new Recorder<InboundMessage>(f.Dispatcher.Messages);

        await f.PostAsync("""{"type":"seq","data":{"n":1}}""");
        await f.PostAsync(bad);
        await f.PostAsync("""{"type":"seq","data":{"n":2}}""");
        await f.PostAsync("""{"type":"message","data":{"id":"m","text":"still here"}}""");
        await f.DrainAsync();

        var error = Assert.Single(f.Errors.Values);
        Assert.Equal(ErrorKind.DecodeFailed, error.Kind);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(bad, error.Excerpt);
        Assert.Equal([new Seq(1), new Seq(2)], seq.Values);
        Assert.Equal("still here", Assert.Single(other.Values).Text);
        Assert.Equal(4, raw.Values.Count);
    }

    [Fact]
    public async Task Malformed_json_says_what_the_parser_found_and_a_payload_that_does_not_fit_carries_the_serializers_exception()
    {
        await using var f = new DispatchFixture();
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        await f.PostAsync("""{"type":"seq",""");
        await f.PostAsync("""{"type":"seq","data":{"n":true}}""");
        await f.DrainAsync();

        var errors = f.Errors.Values;
        Assert.Equal(2, errors.Count);
        Assert.StartsWith("The message is not well-formed JSON: ", errors[0].Message, StringComparison.Ordinal);
        Assert.True(errors[0].Message.Length > "The message is not well-formed JSON: ".Length);
        Assert.IsAssignableFrom<JsonException>(errors[1].Exception);
    }

    [Fact]
    public async Task A_type_mismatch_fails_only_the_stream_whose_type_does_not_fit()
    {
        await using var f = new DispatchFixture();
        using var strict = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var loose = new Recorder<JsonElement>(f.Dispatcher.On<JsonElement>("seq"));
        await f.PostAsync("""{"type":"seq","data":{"n":"x"}}""");
        await f.DrainAsync();

        Assert.Empty(strict.Values);
        Assert.Equal("x", Assert.Single(loose.Values).GetProperty("n").GetString());
        Assert.Equal(ErrorKind.DecodeFailed, Assert.Single(f.Errors.Values).Kind);
    }

    [Fact]
    public async Task The_excerpt_is_bounded()
    {
        await using var f = new DispatchFixture();
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        var huge = "{\"type\":\"seq\",\"data\":\"" + new string('é', 5000) + "\"";
        await f.PostAsync(huge);
        await f.DrainAsync();

        var excerpt = Assert.Single(f.Errors.Values).Excerpt!;
        Assert.Equal(256, excerpt.Length);
        Assert.StartsWith("{\"type\":\"seq\"", excerpt, StringComparison.Ordinal);
        Assert.EndsWith("…", excerpt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_excerpt_of_a_binary_message_is_hexadecimal_and_bounded()
    {
        var format = new JsonEnvelopeFormat(new JsonEnvelopeOptions { ReadBinaryMessages = true });
        await using var f = new DispatchFixture(format: format);
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        var bytes = new byte[1000];
        bytes[0] = 0xFF;
        await f.PostAsync(MessageKind.Binary, bytes);
        await f.DrainAsync();

        var excerpt = Assert.Single(f.Errors.Values).Excerpt!;
        Assert.Equal("FF" + new string('0', 254) + "…", excerpt);
    }

    [Fact]
    public async Task Raw_only_consumers_see_no_decode_errors()
    {
        await using var f = new DispatchFixture();
        using var raw = new Recorder<InboundMessage>(f.Dispatcher.Messages);
        await f.PostAsync("not json at all");
        await f.DrainAsync();

        Assert.Equal("not json at all", Assert.Single(raw.Values).Text);
        Assert.Empty(f.Errors.Values);
    }

    [Fact]
    public async Task A_throwing_subscriber_is_reported_keeps_its_subscription_and_two_others_keep_receiving()
    {
        await using var f = new DispatchFixture();
        var thrown = new List<int>();
        using var first = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var s2 = f.Dispatcher.On<Seq>("seq").Subscribe(Observer.Create<Seq>(s =>
        {
            thrown.Add(s.N);
            throw new InvalidOperationException($"boom {s.N}");
        }));
        using var second = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var s4 = f.Dispatcher.Messages.Subscribe(Observer.Create<InboundMessage>(_ => throw new FormatException("raw boom")));
        using var envelopes = new Recorder<Envelope>(f.Dispatcher.Envelopes);
        var firstCompletions = DispatchFixture.CountCompletions(f.Dispatcher.On<Seq>("seq"), out var s6);
        using var _ = s6;

        for (var i = 1; i <= 5; i++)
        {
            await f.PostAsync($$$"""{"type":"seq","data":{"n":{{{i}}}}}""");
        }

        await f.DrainAsync();

        int[] all = [1, 2, 3, 4, 5];
        Assert.Equal(all, first.Values.Select(s => s.N));
        Assert.Equal(all, second.Values.Select(s => s.N));
        Assert.Equal(all, thrown); // still subscribed after throwing
        Assert.Equal(5, envelopes.Values.Count);
        Assert.True(first.Completed);
        Assert.Equal(1, firstCompletions());

        var errors = f.Errors.Values;
        Assert.Equal(10, errors.Count);
        Assert.All(errors, e => Assert.Equal(ErrorKind.SubscriberFailed, e.Kind));
        var typed = errors.Where(e => e.Exception is InvalidOperationException).ToList();
        Assert.Equal(["boom 1", "boom 2", "boom 3", "boom 4", "boom 5"], typed.Select(e => e.Exception!.Message));
        Assert.Contains("On<Seq>(\"seq\")", typed[0].Message, StringComparison.Ordinal);
        Assert.Equal("""{"type":"seq","data":{"n":1}}""", typed[0].Excerpt); // the message the subscriber choked on
        var rawFailures = errors.Where(e => e.Exception is FormatException).ToList();
        Assert.Equal(5, rawFailures.Count);
        Assert.All(rawFailures, e => Assert.Contains("Messages", e.Message, StringComparison.Ordinal));
        Assert.Equal("""{"type":"seq","data":{"n":5}}""", rawFailures[4].Excerpt);
    }

    [Fact]
    public async Task A_throwing_observer_of_the_errors_stream_does_not_stop_dispatch()
    {
        await using var f = new DispatchFixture();
        using var sink = f.Reporter.Stream.Subscribe(Observer.Create<RealtimeError>(_ => throw new InvalidOperationException("sink")));
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        await f.PostAsync("garbage");
        await f.PostAsync("""{"type":"seq","data":{"n":1}}""");
        await f.DrainAsync();

        Assert.Single(seq.Values);
        Assert.Equal(ErrorKind.DecodeFailed, Assert.Single(f.Errors.Values).Kind); // its own failure is only logged
    }

    [Fact]
    public async Task A_throwing_envelope_format_is_a_decode_failure_with_its_exception()
    {
        await using var f = new DispatchFixture(format: new ThrowingFormat());
        using var envelopes = new Recorder<Envelope>(f.Dispatcher.Envelopes);
        using var raw = new Recorder<InboundMessage>(f.Dispatcher.Messages);
        await f.PostAsync("""{"type":"seq"}""");
        await f.PostAsync("""{"type":"seq"}""");
        await f.DrainAsync();

        Assert.Empty(envelopes.Values);
        Assert.Equal(2, raw.Values.Count);
        Assert.Equal(2, f.Errors.Values.Count);
        var error = f.Errors.Values[0];
        Assert.Equal(ErrorKind.DecodeFailed, error.Kind);
        Assert.IsType<NotSupportedException>(error.Exception);
        Assert.Equal("""{"type":"seq"}""", error.Excerpt);
    }

    [Fact]
    public async Task A_throwing_serializer_is_a_decode_failure_for_that_stream_only()
    {
        await using var f = new DispatchFixture(serializer: new ThrowingSerializer());
        using var seq = new Recorder<Seq>(f.Dispatcher.On<Seq>("seq"));
        using var envelopes = new Recorder<Envelope>(f.Dispatcher.Envelopes);
        await f.PostAsync("""{"type":"seq","data":{"n":1}}""");
        await f.DrainAsync();

        Assert.Empty(seq.Values);
        Assert.Single(envelopes.Values);
        var error = Assert.Single(f.Errors.Values);
        Assert.Equal(ErrorKind.DecodeFailed, error.Kind);
        Assert.IsType<NotSupportedException>(error.Exception);
    }

    private sealed class ThrowingSerializer : IPayloadSerializer
    {
        public void Serialize<T>(IBufferWriter<byte> output, T value) => throw new NotSupportedException("serializer bug");

        public T? Deserialize<T>(ReadOnlyMemory<byte> payload) => throw new NotSupportedException("serializer bug");
    }
}
