using System.Text;
using System.Text.Json.Serialization;

namespace RealtimeClient.Benchmarks;

/// <summary>The typed payload used by the decode and dispatch benchmarks (the loopback harness's tick).</summary>
public sealed class Tick
{
    public long Seq { get; set; }

    public string? Symbol { get; set; }

    public double Price { get; set; }

    public string? Note { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Tick))]
public sealed partial class BenchJsonContext : JsonSerializerContext;

internal static class Payloads
{
    /// <summary>A tick envelope of about 256 bytes, like the harness's typed-receive burst.</summary>
    public static readonly byte[] TickEnvelope = Encoding.UTF8.GetBytes(
        "{\"type\":\"tick\",\"data\":{\"seq\":12345,\"symbol\":\"EURUSD\",\"price\":1.08731,\"note\":\"" + new string('n', 160) + "\"}}");

    public static readonly byte[] Text64 = Encoding.UTF8.GetBytes(new string('x', 64));
}
