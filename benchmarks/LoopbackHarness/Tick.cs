using System.Text.Json.Serialization;

namespace LoopbackHarness;

/// <summary>The typed payload of the typed-receive run (the "data" of a "tick" envelope sent by the echo server).</summary>
internal sealed class Tick
{
    public long Seq { get; set; }

    public string? Symbol { get; set; }

    public double Price { get; set; }

    public string? Note { get; set; }
}

/// <summary>The whole envelope, as a hand-written bare client would deserialise it.</summary>
internal sealed class TickEnvelope
{
    public string? Type { get; set; }

    public Tick? Data { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TickEnvelope))]
[JsonSerializable(typeof(Tick))]
internal sealed partial class HarnessJsonContext : JsonSerializerContext;
