using FsCheck;
using FsCheck.Xunit;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>The default backoff as a pure function: a constructed context in, a delay out, jitter from a seeded <see cref="Random"/>.</summary>
public sealed class DefaultReconnectPolicyTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);
    private static readonly DisconnectInfo Lost = new(DisconnectKind.ConnectionLost);

    private static DefaultReconnectPolicy Policy(int seed = 42, int? maxAttempts = null, TimeSpan? initial = null, TimeSpan? max = null) =>
        new(new ReconnectOptions { InitialDelay = initial ?? Initial, MaxDelay = max ?? Max, MaxAttempts = maxAttempts }, new Random(seed));

    private static ReconnectContext Attempt(int attempt) => new(attempt, Lost);

    [Fact]
    public void The_first_retry_after_a_connection_that_stayed_up_waits_between_zero_and_the_initial_delay()
    {
        var policy = Policy();
        var delays = Enumerable.Range(0, 500).Select(_ => policy.NextDelay(Attempt(1))!.Value).ToList();

        Assert.All(delays, d => Within(d, TimeSpan.Zero, Initial));

        // Full jitter: the draws spread over the whole range, not just its upper half.
        Assert.Contains(delays, d => d < Initial / 4);
        Assert.Contains(delays, d => d > Initial * 3 / 4);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 4)]
    [InlineData(5, 8)]
    [InlineData(6, 16)]
    [InlineData(7, 30)]
    [InlineData(8, 30)]
    [InlineData(1000, 30)]
    public void Attempt_n_waits_between_half_and_all_of_min_max_and_initial_times_two_to_the_n_minus_2(int attempt, int ceilingSeconds)
    {
        var policy = Policy();
        var ceiling = TimeSpan.FromSeconds(ceilingSeconds);
        Assert.Equal(ceiling, policy.Ceiling(attempt));

        var delays = Enumerable.Range(0, 200).Select(_ => policy.NextDelay(Attempt(attempt))!.Value).ToList();
        Assert.All(delays, d => Within(d, ceiling / 2, ceiling));
        Assert.True(delays.Distinct().Count() > 1, "equal jitter draws different delays");
    }

    [Fact]
    public void The_same_seed_gives_the_same_delays_so_a_test_can_repeat_them()
    {
        var a = Policy(seed: 7);
        var b = Policy(seed: 7);
        var c = Policy(seed: 8);
        var attempts = Enumerable.Range(1, 12).ToList();

        var first = attempts.Select(n => a.NextDelay(Attempt(n))).ToList();
        var second = attempts.Select(n => b.NextDelay(Attempt(n))).ToList();
        var other = attempts.Select(n => c.NextDelay(Attempt(n))).ToList();

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void MaxAttempts_allows_that_many_attempts_then_says_stop_with_null()
    {
        var policy = Policy(maxAttempts: 3);

        Assert.NotNull(policy.NextDelay(Attempt(1)));
        Assert.NotNull(policy.NextDelay(Attempt(2)));
        Assert.NotNull(policy.NextDelay(Attempt(3)));
        Assert.Null(policy.NextDelay(Attempt(4)));
        Assert.Null(policy.NextDelay(Attempt(50)));
    }

    [Fact]
    public void Without_MaxAttempts_it_never_stops()
    {
        var policy = Policy();
        Assert.All(new[] { 1, 2, 10, 100, 10_000, int.MaxValue }, n => Assert.NotNull(policy.NextDelay(Attempt(n))));
    }

    [Fact]
    public void A_zero_initial_delay_retries_at_once()
    {
        var policy = Policy(initial: TimeSpan.Zero, max: TimeSpan.Zero);
        Assert.All(Enumerable.Range(1, 10), n => Assert.Equal(TimeSpan.Zero, policy.NextDelay(Attempt(n))));
    }

    [Fact]
    public void The_decision_depends_only_on_the_attempt_number_not_on_the_cause_or_the_elapsed_time()
    {
        var causes = new[]
        {
            new ReconnectContext(3, new DisconnectInfo(DisconnectKind.ConnectFailed)),
            new ReconnectContext(3, new DisconnectInfo(DisconnectKind.HeartbeatTimeout)) { Elapsed = TimeSpan.FromHours(3), WasConnected = true },
            new ReconnectContext(3, new DisconnectInfo(DisconnectKind.ServerClosed) { CloseStatus = System.Net.WebSockets.WebSocketCloseStatus.InternalServerError })
            {
                LastConnectionUpTime = TimeSpan.FromSeconds(4),
            },
        };

        var delays = causes.Select(c => Policy(seed: 3).NextDelay(c)).ToList();
        Assert.Single(delays.Distinct());
    }

    [Fact]
    public void A_null_context_or_options_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => new DefaultReconnectPolicy(null!));
        Assert.Throws<ArgumentNullException>(() => Policy().NextDelay(null!));
    }

    [Property(MaxTest = 300)]
    public void Every_delay_is_whole_milliseconds_within_the_documented_bounds(PositiveInt attempt, PositiveInt initialMs, PositiveInt extraMs, int seed)
    {
        var initial = TimeSpan.FromMilliseconds(initialMs.Get % 60_000);
        var max = initial + TimeSpan.FromMilliseconds(extraMs.Get % 600_000);
        var policy = Policy(seed, initial: initial, max: max);

        var delay = policy.NextDelay(Attempt(attempt.Get))!.Value;

        Assert.Equal(0, delay.Ticks % TimeSpan.TicksPerMillisecond);
        if (attempt.Get == 1)
        {
            Within(delay, TimeSpan.Zero, initial);
        }
        else
        {
            var ceiling = TimeSpan.FromTicks((long)Math.Min(initial.Ticks * Math.Pow(2, Math.Min(attempt.Get - 2, 30)), max.Ticks));
            Assert.Equal(ceiling, policy.Ceiling(attempt.Get));

            // Whole milliseconds: the lower bound rounds up, so it may sit up to 1 ms above c/2 (never above c).
            Within(delay, ceiling / 2, ceiling);
        }
    }

    private static void Within(TimeSpan actual, TimeSpan low, TimeSpan high) =>
        Assert.True(actual >= low && actual <= high, $"{actual} is not within [{low}, {high}].");
}
