namespace RealtimeClient.Tests.Reconnect;

/// <summary>The documented backoff bounds, for the end-to-end tests that read delays from the Reconnecting states.</summary>
internal static class Backoff
{
    /// <summary>The ceiling of the delay after <paramref name="failedAttempts"/> failed attempts in a row: min(max, initial × 2^(failed − 1)).</summary>
    public static TimeSpan Ceiling(TimeSpan initial, TimeSpan max, int failedAttempts) =>
        TimeSpan.FromTicks((long)Math.Min(initial.Ticks * Math.Pow(2, failedAttempts - 1), max.Ticks));

    public static void AssertWithin(TimeSpan actual, TimeSpan low, TimeSpan high, string what) =>
        Assert.True(actual >= low && actual <= high, $"{what}: {actual} is not within [{low}, {high}].");
}
