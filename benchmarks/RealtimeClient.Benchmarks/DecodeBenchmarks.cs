using System.Text.Json;
using BenchmarkDotNet.Attributes;
using RealtimeClient.Codec;

namespace RealtimeClient.Benchmarks;

/// <summary>Decode an envelope: the codec's header scan plus the payload, next to System.Text.Json on the whole envelope.</summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private readonly JsonEnvelopeCodec _codec = JsonEnvelopeCodec.Default;

    /// <summary>Hand-written STJ: deserialise the payload only (what a bare client does after finding "data").</summary>
    [Benchmark(Baseline = true)]
    public Tick? Stj_PayloadOnly()
    {
        var reader = new Utf8JsonReader(Payloads.TickEnvelope);
        reader.Read();
        while (reader.Read() && !(reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("data"u8)))
        {
        }

        reader.Read();
        return JsonSerializer.Deserialize(ref reader, BenchJsonContext.Default.Tick);
    }

    /// <summary>The library: TryReadEnvelope (type, id, where the data is) then ReadPayload.</summary>
    [Benchmark]
    public Tick? Codec_ReadEnvelope_ReadPayload()
    {
        if (!_codec.TryReadEnvelope(Payloads.TickEnvelope, out var header, out _))
        {
            return null;
        }

        var payload = header.HasData ? Payloads.TickEnvelope.AsSpan(header.DataOffset, header.DataLength) : "null"u8;
        return _codec.ReadPayload(payload, BenchJsonContext.Default.Tick);
    }

    /// <summary>The header alone (what the inbound filter reads for acks and replies).</summary>
    [Benchmark]
    public string? Codec_ReadHeader()
    {
        _codec.TryReadHeader(Payloads.TickEnvelope, out var type, out _);
        return type;
    }
}
