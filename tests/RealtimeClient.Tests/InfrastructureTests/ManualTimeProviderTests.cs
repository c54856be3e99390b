using Polly;
using Polly.Retry;
using RealtimeClient.Tests.Infrastructure;

namespace RealtimeClient.Tests.InfrastructureTests;

public sealed class ManualTimeProviderTests
{
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(10);

    [Fact]
    public void Clock_starts_at_a_fixed_instant_and_moves_only_on_Advance()
    {
        var time = new ManualTimeProvider();
        long start = time.GetTimestamp();

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), time.GetUtcNow());
        Assert.Equal(TimeZoneInfo.Utc, time.LocalTimeZone);

        time.Advance(TimeSpan.FromSeconds(90));

        Assert.Equal(ManualTimeProvider.DefaultStart.AddSeconds(90), time.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(90), time.GetElapsedTime(start));
        time.SetUtcNow(ManualTimeProvider.DefaultStart.AddMinutes(2));
        Assert.Equal(TimeSpan.FromMinutes(2), time.GetElapsedTime(start));
        Assert.Throws<ArgumentOutOfRangeException>(() => time.SetUtcNow(ManualTimeProvider.DefaultStart));
        Assert.Throws<ArgumentOutOfRangeException>(() => time.Advance(TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public void Advance_fires_due_timers_in_due_time_order_with_the_clock_at_each_due_time()
    {
        var time = new ManualTimeProvider();
        var fired = new List<(string Name, TimeSpan At)>();
        void Callback(object? name) => fired.Add(((string)name!, time.GetUtcNow() - ManualTimeProvider.DefaultStart));
        using ITimer c = time.CreateTimer(Callback, "c", TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        using ITimer a = time.CreateTimer(Callback, "a", TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using ITimer b = time.CreateTimer(Callback, "b", TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        using ITimer a2 = time.CreateTimer(Callback, "a2", TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using ITimer late = time.CreateTimer(Callback, "late", TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(
            [("a", TimeSpan.FromSeconds(1)), ("a2", TimeSpan.FromSeconds(1)), ("b", TimeSpan.FromSeconds(2)), ("c", TimeSpan.FromSeconds(3))],
            fired);
        Assert.Equal(TimeSpan.FromSeconds(5), time.GetUtcNow() - ManualTimeProvider.DefaultStart);
        Assert.Equal(1, time.ActiveTimerCount);
        Assert.Equal([TimeSpan.FromSeconds(5)], time.PendingDueTimes());
    }

    [Fact]
    public void Periodic_timer_fires_several_times_within_one_Advance()
    {
        var time = new ManualTimeProvider();
        var at = new List<TimeSpan>();
        using ITimer timer = time.CreateTimer(_ => at.Add(time.GetUtcNow() - ManualTimeProvider.DefaultStart), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5)], at);
        Assert.Equal([TimeSpan.FromSeconds(1)], time.PendingDueTimes());
    }

    [Fact]
    public void Zero_due_time_fires_at_once_and_infinite_due_time_never()
    {
        var time = new ManualTimeProvider();
        int zero = 0, never = 0;

        using ITimer now = time.CreateTimer(_ => zero++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        using ITimer off = time.CreateTimer(_ => never++, null, Timeout.InfiniteTimeSpan, TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(1, zero);
        Assert.Equal(0, never);
        Assert.Equal(0, time.ActiveTimerCount);
    }

    [Fact]
    public void Change_reschedules_stops_and_fails_after_Dispose()
    {
        var time = new ManualTimeProvider();
        int fired = 0;
        ITimer timer = time.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan)); // due 1.5s from start now
        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal(0, fired);
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, fired);

        Assert.True(timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
        Assert.True(timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, fired);

        timer.Dispose();
        Assert.False(timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, fired);
    }

    [Fact]
    public async Task Disposed_timer_never_fires()
    {
        var time = new ManualTimeProvider();
        int fired = 0;
        ITimer a = time.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        ITimer b = time.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        Assert.Equal(2, time.ActiveTimerCount);

        a.Dispose();
        await b.DisposeAsync();
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(0, fired);
        Assert.Equal(0, time.ActiveTimerCount);
    }

    [Fact]
    public void Timers_created_or_changed_by_callbacks_fire_within_the_same_Advance()
    {
        var time = new ManualTimeProvider();
        var at = new List<TimeSpan>();
        ITimer? child = null;
        ITimer? self = null;
        self = time.CreateTimer(_ =>
        {
            at.Add(time.GetUtcNow() - ManualTimeProvider.DefaultStart);
            if (at.Count == 1)
            {
                child = time.CreateTimer(_ => at.Add(time.GetUtcNow() - ManualTimeProvider.DefaultStart), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
                self!.Change(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
            }
        }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(6)], at);
        child!.Dispose();
        self.Dispose();
    }

    [Fact]
    public async Task Task_Delay_completes_only_after_Advance()
    {
        var time = new ManualTimeProvider();
        Task delay = Task.Delay(TimeSpan.FromSeconds(1), time);
        Task viaProvider = Task.Delay(TimeSpan.FromSeconds(2), time, CancellationToken.None);

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(delay.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await delay.WaitAsync(Safety);
        Assert.False(viaProvider.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        await viaProvider.WaitAsync(Safety);
        Assert.Equal(0, time.ActiveTimerCount);
    }

    [Fact]
    public async Task Task_Delay_cancelled_by_token_removes_its_timer()
    {
        var time = new ManualTimeProvider();
        using var cts = new CancellationTokenSource();
        Task delay = Task.Delay(TimeSpan.FromSeconds(1), time, cts.Token);
        Assert.Equal(1, time.ActiveTimerCount);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delay.WaitAsync(Safety));
        Assert.Equal(0, time.ActiveTimerCount);
    }

    [Fact]
    public async Task CancellationTokenSource_and_WaitAsync_use_the_provider()
    {
        var time = new ManualTimeProvider();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);
        var never = new TaskCompletionSource();
        Task timedOut = never.Task.WaitAsync(TimeSpan.FromSeconds(10), time);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(timedOut.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => timedOut.WaitAsync(Safety));

        Assert.False(cts.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public async Task WaitForTimerAsync_completes_when_a_matching_timer_is_scheduled_from_another_thread()
    {
        var time = new ManualTimeProvider();
        using ITimer other = time.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        Task waitFor5s = time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(5));
        Assert.False(waitFor5s.IsCompleted); // the 1s timer does not match

        var go = new TaskCompletionSource();
        Task worker = Task.Run(async () =>
        {
            await go.Task;
            await Task.Delay(TimeSpan.FromSeconds(5), time);
        });
        Assert.False(waitFor5s.IsCompleted);
        go.SetResult();

        await waitFor5s.WaitAsync(Safety);
        Assert.False(worker.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        await worker.WaitAsync(Safety);

        // Already-existing timers satisfy the wait at once.
        using ITimer existing = time.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(7), Timeout.InfiniteTimeSpan);
        Assert.True(time.WaitForTimerAsync().IsCompleted);
        Assert.True(time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(7)).IsCompleted);
    }

    [Fact]
    public async Task WaitForTimerAsync_can_be_cancelled()
    {
        var time = new ManualTimeProvider();
        using var cts = new CancellationTokenSource();
        Task wait = time.WaitForTimerAsync(cancellationToken: cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Safety));
    }

    [Fact]
    public async Task AdvanceToNextTimerAsync_moves_the_clock_to_the_soonest_matching_timer()
    {
        var time = new ManualTimeProvider();
        Task worker = Task.Run(() => Task.Delay(TimeSpan.FromMilliseconds(1234), time));

        TimeSpan moved = await time.AdvanceToNextTimerAsync().WaitAsync(Safety);

        Assert.Equal(TimeSpan.FromMilliseconds(1234), moved);
        await worker.WaitAsync(Safety);
    }

    [Fact]
    public async Task Timers_created_concurrently_are_all_tracked_and_fired()
    {
        const int count = 200;
        var time = new ManualTimeProvider();
        int fired = 0;
        var timers = new ITimer[count];

        await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() =>
            timers[i] = time.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromMilliseconds(i + 1), Timeout.InfiniteTimeSpan))));

        Assert.Equal(count, time.ActiveTimerCount);
        time.Advance(TimeSpan.FromMilliseconds(count / 2));
        Assert.Equal(count / 2, fired);
        time.Advance(TimeSpan.FromMilliseconds(count));
        Assert.Equal(count, fired);
        Assert.Equal(0, time.ActiveTimerCount);
    }

    [Fact]
    public async Task Polly_retry_delays_run_on_virtual_time()
    {
        var time = new ManualTimeProvider();
        ResiliencePipeline pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                Delay = TimeSpan.FromSeconds(3),
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder().Handle<InvalidOperationException>(),
            })
            .Build();
        int attempts = 0;

        Task<int> run = pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            return attempts < 3 ? throw new InvalidOperationException("try again") : ValueTask.FromResult(attempts);
        }).AsTask();

        await time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(3)).WaitAsync(Safety);
        Assert.Equal(1, attempts);
        time.Advance(TimeSpan.FromSeconds(3));
        await time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(3)).WaitAsync(Safety);
        Assert.Equal(2, attempts);
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(3, await run.WaitAsync(Safety));
    }
}
