using System.Text.Json;
using BenchmarkDotNet.Attributes;
using RealtimeClient.Serialization;

namespace RealtimeClient.Benchmarks;

/// <summary>Decode an envelope: the format's header scan plus the payload, next to System.Text.Json on the payload alone.</summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private readonly JsonEnvelopeFormat _format = JsonEnvelopeFormat.Default;
    private readonly SystemTextJsonSerializer _serializer = new(BenchJsonContext.Default);

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

    /// <summary>The library: TryReadHeader (type, id, where the payload is) then the serializer on the payload.</summary>
    [Benchmark]
    public Tick? Format_ReadHeader_Deserialize()
    {
        if (!_format.TryReadHeader(Payloads.TickEnvelope, out var header, out _))
        {
            return null;
        }

        return _serializer.Deserialize<Tick>(header.HasPayload ? Payloads.TickEnvelope.AsMemory(header.PayloadOffset, header.PayloadLength) : _format.MissingPayload);
    }

    /// <summary>The header alone (what the inbound pipeline reads for acks, refusals and replies).</summary>
    [Benchmark]
    public string? Format_ReadHeader()
    {
        _format.TryReadHeader(Payloads.TickEnvelope, out var header, out _);
        return header.Type;
    }
}
