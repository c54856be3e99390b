namespace RealtimeClient;

/// <summary>
/// The default reconnect policy: exponential backoff with jitter, capped, with an optional limit on consecutive attempts.
/// The first retry after a connection that stayed up waits a random time in [0, <see cref="ReconnectOptions.InitialDelay"/>]
/// (full jitter, so clients dropped together by a server restart do not come back at once); attempt n ≥ 2 waits a random
/// time in [c/2, c] with c = min(<see cref="ReconnectOptions.MaxDelay"/>, InitialDelay × 2^(n−2)) (equal jitter). Delays are
/// whole milliseconds, the resolution of timers, so the delay announced in <see cref="StateChange.RetryDelay"/> is the one waited.
/// </summary>
public sealed class DefaultReconnectPolicy : IReconnectPolicy
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly int? _maxAttempts;
    private readonly Random _random;

    /// <summary>Creates the policy from <paramref name="options"/>.</summary>
    /// <param name="options">The backoff settings (InitialDelay, MaxDelay, MaxAttempts).</param>
    /// <param name="random">The source of jitter (default: <see langword="null"/>, <see cref="Random.Shared"/>); give a seeded one for repeatable tests.</param>
    public DefaultReconnectPolicy(ReconnectOptions options, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _initial = options.InitialDelay;
        _max = options.MaxDelay;
        _maxAttempts = options.MaxAttempts;
        _random = random ?? Random.Shared;
    }

    /// <inheritdoc />
    public TimeSpan? NextDelay(ReconnectContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_maxAttempts is { } max && context.Attempt > max)
        {
            return null;
        }

        if (context.Attempt <= 1)
        {
            return Jitter(0, _initial.Ticks);
        }

        var ceiling = Ceiling(context.Attempt).Ticks;
        return Jitter(ceiling - (ceiling / 2), ceiling);
    }

    /// <summary>The upper bound of the delay before <paramref name="attempt"/> (2 or more).</summary>
    /// <param name="attempt">The attempt number.</param>
    /// <returns>min(MaxDelay, InitialDelay × 2^(attempt−2)).</returns>
    public TimeSpan Ceiling(int attempt)
    {
        var exponent = Math.Clamp(attempt - 2, 0, 30);
        var ticks = _initial.Ticks * Math.Pow(2, exponent);
        return TimeSpan.FromTicks((long)Math.Min(ticks, _max.Ticks));
    }

    /// <summary>A random whole number of milliseconds in [<paramref name="low"/>, <paramref name="high"/>] (ticks).</summary>
    private TimeSpan Jitter(long low, long high)
    {
        var lowMs = (low + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        var highMs = high / TimeSpan.TicksPerMillisecond;
        return highMs < lowMs
            ? TimeSpan.FromTicks(high)
            : TimeSpan.FromTicks(_random.NextInt64(lowMs, highMs + 1) * TimeSpan.TicksPerMillisecond);
    }
}
