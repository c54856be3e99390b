namespace RealtimeClient.FaultTests.Proxy;

/// <summary>
/// How <see cref="FaultProxy"/> slows a link: a pause before each forwarded chunk, a byte rate cap, or both.
/// </summary>
/// <param name="DelayPerChunk">Waited before each chunk is forwarded (zero: none).</param>
/// <param name="BytesPerSecond">The most bytes forwarded per second in each direction (null: no cap).</param>
public sealed record LinkSpeed(TimeSpan DelayPerChunk, int? BytesPerSecond = null)
{
    /// <summary>A pause of <paramref name="delay"/> before each chunk.</summary>
    public static LinkSpeed Delay(TimeSpan delay) => new(delay);

    /// <summary>At most <paramref name="bytesPerSecond"/> bytes per second in each direction.</summary>
    public static LinkSpeed Rate(int bytesPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerSecond, 1);
        return new(TimeSpan.Zero, bytesPerSecond);
    }

    /// <summary>The largest chunk read at once, so that a rate cap is applied in small steps.</summary>
    internal int ChunkLimit(int bufferSize) =>
        BytesPerSecond is { } rate ? Math.Clamp(rate / 20, 1, bufferSize) : bufferSize;

    /// <summary>How long to wait before forwarding <paramref name="bytes"/> bytes.</summary>
    internal TimeSpan PauseFor(int bytes) =>
        DelayPerChunk + (BytesPerSecond is { } rate ? TimeSpan.FromSeconds((double)bytes / rate) : TimeSpan.Zero);
}
