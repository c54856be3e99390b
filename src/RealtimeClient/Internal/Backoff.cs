namespace RealtimeClient.Internal;

/// <summary>
/// The documented backoff: equal jitter on a doubling ceiling, and full jitter for the first retry after a drop.
/// Delays are whole milliseconds: timers have millisecond resolution, so the delay announced in a state change is the
/// delay actually waited.
/// </summary>
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
        return Jitter(ceiling - (ceiling / 2), ceiling, random);
    }

    /// <summary>A delay in [0, InitialDelay] for the first retry after a connection that had stayed up.</summary>
    public static TimeSpan AfterDrop(ReconnectOptions options, Random random) =>
        Jitter(0, options.InitialDelay.Ticks, random);

    /// <summary>
    /// A random whole number of milliseconds in [<paramref name="low"/>, <paramref name="high"/>] (ticks). Delays on a
    /// <see cref="TimeProvider"/> (<c>Task.Delay</c>, Polly) truncate to whole milliseconds, so a whole-millisecond delay is
    /// the one really waited, and the one announced in <see cref="StateChange.RetryDelay"/>.
    /// </summary>
    private static TimeSpan Jitter(long low, long high, Random random)
    {
        var lowMs = (low + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        var highMs = high / TimeSpan.TicksPerMillisecond;
        return highMs < lowMs
            ? TimeSpan.FromTicks(high)
            : TimeSpan.FromTicks(random.NextInt64(lowMs, highMs + 1) * TimeSpan.TicksPerMillisecond);
    }
}
