namespace RealtimeClient.Internal;

/// <summary>The documented backoff: equal jitter on a doubling ceiling, and full jitter for the first retry after a drop.</summary>
internal static class Backoff
{
    /// <summary>The ceiling for the retry after <paramref name="failedAttempts"/> failed attempts (1-based).</summary>
    public static TimeSpan Ceiling(ReconnectOptions options, int failedAttempts)
    {
        var exponent = Math.Min(Math.Max(failedAttempts - 1, 0), 30);
        var ticks = options.InitialDelay.Ticks * Math.Pow(2, exponent);
        return TimeSpan.FromTicks((long)Math.Min(ticks, options.MaxDelay.Ticks));
    }

    /// <summary>A delay in [ceiling/2, ceiling] for the retry after <paramref name="failedAttempts"/> failed attempts.</summary>
    public static TimeSpan AfterFailedAttempt(ReconnectOptions options, int failedAttempts, Random random)
    {
        var ceiling = Ceiling(options, failedAttempts).Ticks;
        return TimeSpan.FromTicks((ceiling / 2) + (long)(random.NextDouble() * (ceiling - (ceiling / 2))));
    }

    /// <summary>A delay in [0, InitialDelay] for the first retry after a connection that had stayed up.</summary>
    public static TimeSpan AfterDrop(ReconnectOptions options, Random random) =>
        TimeSpan.FromTicks((long)(random.NextDouble() * options.InitialDelay.Ticks));
}
