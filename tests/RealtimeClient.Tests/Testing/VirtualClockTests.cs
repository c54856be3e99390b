using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Testing;

/// <summary>
/// The virtual clock of the RealtimeClient.Testing package: a FakeTimeProvider that tells a test which timers exist, so the
/// test can wait for a timer the code under test schedules on another thread before it advances the clock.
/// </summary>
public sealed class VirtualClockTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public void It_starts_at_the_documented_instant_or_the_one_given()
    {
        Assert.Equal(VirtualClock.DefaultStart, new VirtualClock().GetUtcNow());
        var start = new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero);
        Assert.Equal(start, new VirtualClock(start).GetUtcNow());
    }

    [Fact]
    public async Task WaitForTimerAsync_completes_for_a_matching_timer_scheduled_before_or_after_the_call()
    {
        var clock = new VirtualClock();
        using var early = clock.CreateTimer(_ => { }, null, OneSecond, Timeout.InfiniteTimeSpan);
        Assert.True(clock.WaitForTimerAsync(d => d == OneSecond).IsCompletedSuccessfully);

        var later = clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(5));
        var any = clock.WaitForTimerAsync();
        Assert.False(later.IsCompleted);
        Assert.True(any.IsCompletedSuccessfully); // one timer exists already

        using var late = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        await later.Safe();
    }

    [Fact]
    public async Task WaitForTimerAsync_ignores_timers_that_do_not_match_and_honours_its_token()
    {
        var clock = new VirtualClock();
        using var cts = new CancellationTokenSource();
        var wait = clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(2), cts.Token);
        using var other = clock.CreateTimer(_ => { }, null, OneSecond, Timeout.InfiniteTimeSpan);
        Assert.False(wait.IsCompleted);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.Safe());
    }

    [Fact]
    public async Task The_time_left_is_measured_from_now_so_a_timer_matches_again_after_the_clock_moved()
    {
        var clock = new VirtualClock();
        using var timer = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);
        using var second = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(4), Timeout.InfiniteTimeSpan);
        Assert.Equal([TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10)], clock.PendingDueTimes());

        clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal([OneSecond, TimeSpan.FromSeconds(7)], clock.PendingDueTimes());
        await clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(7)).Safe();
    }

    [Fact]
    public async Task AdvanceToNextTimerAsync_moves_the_clock_to_the_soonest_matching_timer_and_fires_it()
    {
        var clock = new VirtualClock();
        var fired = new List<string>();
        using var soon = clock.CreateTimer(_ => fired.Add("soon"), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        using var later = clock.CreateTimer(_ => fired.Add("later"), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);

        Assert.Equal(TimeSpan.FromSeconds(5), await clock.AdvanceToNextTimerAsync(d => d > TimeSpan.FromSeconds(3)).Safe());
        Assert.Equal(["soon", "later"], fired); // passing the earlier one fires it on the way
        Assert.Equal(VirtualClock.DefaultStart + TimeSpan.FromSeconds(5), clock.GetUtcNow());
        Assert.Empty(clock.PendingDueTimes());
    }

    [Fact]
    public async Task A_periodic_timer_fires_once_per_period_and_is_pending_again_after_each_tick()
    {
        var clock = new VirtualClock();
        var ticks = 0;
        using var timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));

        Assert.Equal([TimeSpan.FromSeconds(2)], clock.PendingDueTimes());
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, ticks);
        Assert.Equal([TimeSpan.FromSeconds(3)], clock.PendingDueTimes());
        await clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(3)).Safe();

        clock.Advance(TimeSpan.FromSeconds(9)); // three more periods in one step
        Assert.Equal(4, ticks);
        Assert.Equal([TimeSpan.FromSeconds(3)], clock.PendingDueTimes());
    }

    [Fact]
    public async Task A_changed_timer_is_tracked_at_its_new_due_time_and_an_infinite_one_is_no_longer_pending()
    {
        var clock = new VirtualClock();
        var ticks = 0;
        using var timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);
        var moved = clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(4));

        Assert.True(timer.Change(TimeSpan.FromSeconds(4), Timeout.InfiniteTimeSpan));

        await moved.Safe();
        Assert.Equal([TimeSpan.FromSeconds(4)], clock.PendingDueTimes());
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, ticks);
        Assert.Empty(clock.PendingDueTimes());

        Assert.True(timer.Change(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2))); // re-armed, now periodic
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(3, ticks);

        Assert.True(timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        Assert.Empty(clock.PendingDueTimes());
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(3, ticks);
    }

    [Fact]
    public async Task A_timer_that_re_arms_itself_from_its_callback_keeps_firing()
    {
        var clock = new VirtualClock();
        var ticks = 0;
        ITimer? timer = null;
        timer = clock.CreateTimer(_ => { ticks++; timer!.Change(OneSecond, Timeout.InfiniteTimeSpan); }, null, OneSecond, Timeout.InfiniteTimeSpan);
        using (timer)
        {
            for (var i = 1; i <= 3; i++)
            {
                await clock.WaitForTimerAsync(d => d == OneSecond).Safe();
                clock.Advance(OneSecond);
                Assert.Equal(i, ticks);
            }
        }
    }

    [Fact]
    public void A_disposed_timer_never_fires_and_is_not_pending()
    {
        var clock = new VirtualClock();
        var ticks = 0;
        var timer = clock.CreateTimer(_ => ticks++, null, OneSecond, OneSecond);

        timer.Dispose();

        Assert.Empty(clock.PendingDueTimes());
        Assert.False(clock.WaitForTimerAsync().IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, ticks);
    }

    [Fact]
    public void A_timer_with_zero_due_time_fires_at_once_and_is_not_left_pending()
    {
        var clock = new VirtualClock();
        var ticks = 0;

        using var once = clock.CreateTimer(_ => ticks++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        Assert.Equal(1, ticks); // like a real timer, without the clock moving
        Assert.Empty(clock.PendingDueTimes());
        Assert.Equal(VirtualClock.DefaultStart, clock.GetUtcNow());
    }

    [Fact]
    public void A_periodic_timer_with_zero_due_time_fires_at_once_then_once_per_period()
    {
        var clock = new VirtualClock();
        var ticks = 0;

        using var timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.Zero, TimeSpan.FromSeconds(2));

        Assert.Equal(1, ticks);
        Assert.Equal([TimeSpan.FromSeconds(2)], clock.PendingDueTimes());
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(3, ticks);
    }

    [Fact]
    public void Changing_a_timer_to_zero_due_time_fires_it_at_once()
    {
        var clock = new VirtualClock();
        var ticks = 0;
        using var timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);

        timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        Assert.Equal(1, ticks);
        Assert.Empty(clock.PendingDueTimes());
    }

    [Fact]
    public async Task Delays_and_cancellation_timeouts_on_the_clock_are_timers_a_test_can_wait_for()
    {
        var clock = new VirtualClock();
        var delay = Task.Delay(TimeSpan.FromSeconds(3), clock);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(7), clock);

        await clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(3)).Safe();
        await clock.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(7)).Safe();
        clock.Advance(TimeSpan.FromSeconds(3));
        await delay.Safe();
        Assert.False(timeout.IsCancellationRequested);

        Assert.Equal(TimeSpan.FromSeconds(4), await clock.AdvanceToNextTimerAsync().Safe());
        Assert.True(timeout.IsCancellationRequested);
    }

    [Fact]
    public void A_timer_is_announced_only_once_it_is_scheduled_so_advancing_at_that_moment_fires_it()
    {
        // The strictest form of "wait for the timer, then advance": advance from inside the announcement itself.
        var clock = new VirtualClock();
        var fired = 0;

        var created = AdvanceTheMomentItIsSeen(clock, OneSecond);
        using var timer = clock.CreateTimer(_ => fired++, null, OneSecond, Timeout.InfiniteTimeSpan);
        Assert.True(created.IsCompleted);
        Assert.Equal(1, fired);

        var changed = AdvanceTheMomentItIsSeen(clock, OneSecond);
        timer.Change(OneSecond, Timeout.InfiniteTimeSpan);
        Assert.True(changed.IsCompleted);
        Assert.Equal(2, fired);
    }

    [Fact]
    public async Task A_timer_created_on_another_thread_fires_when_the_test_advances_as_soon_as_it_was_seen()
    {
        // The waiter is released on another thread the moment the timer is seen; if the clock announced the timer before
        // it was really scheduled, an Advance right then would pass it by and the timer would never fire.
        var clock = new VirtualClock();
        for (var i = 0; i < 1000; i++)
        {
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var seen = clock.WaitForTimerAsync(d => d == OneSecond);
            ITimer? timer = null;
            var creator = Task.Run(() => timer = clock.CreateTimer(_ => fired.TrySetResult(), null, OneSecond, Timeout.InfiniteTimeSpan));
            await seen.Safe();

            clock.Advance(OneSecond);

            Assert.True(fired.Task.IsCompleted, $"Iteration {i}: the timer did not fire when the clock passed its due time.");
            await creator.Safe();
            timer!.Dispose();
        }
    }

    [Fact]
    public async Task A_timer_scheduled_on_another_thread_while_the_test_advances_is_listed_after_the_advance_or_has_its_whole_due_time_left()
    {
        // A timer whose due time was read off the clock before an advance, but listed only after the test looked at the timers
        // (after that advance), was missing from that look and then appeared with less than its whole due time left, so a
        // wait for a new timer (its whole due time left) never ended.
        var clock = new VirtualClock();
        var tick = TimeSpan.FromTicks(1);
        using var start = new Barrier(2); // both threads leave it together, so the creation and the advance overlap
        for (var i = 0; i < 2000; i++)
        {
            ITimer? timer = null;
            var creator = Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    timer = clock.CreateTimer(_ => { }, null, OneSecond, Timeout.InfiniteTimeSpan);
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            start.SignalAndWait();
            clock.Advance(tick);
            var seen = clock.PendingDueTimes();
            await creator.Safe();

            var left = Assert.Single(clock.PendingDueTimes());
            Assert.True(seen.Count == 1 || left == OneSecond, $"Iteration {i}: not listed after the advance, then listed with {left} left.");
            timer!.Dispose();
        }
    }

    [Fact]
    public async Task A_timer_changed_on_another_thread_fires_when_the_test_advances_as_soon_as_it_was_seen()
    {
        var clock = new VirtualClock();
        var ticks = 0;
        using var timer = clock.CreateTimer(_ => Interlocked.Increment(ref ticks), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        for (var i = 1; i <= 1000; i++)
        {
            var seen = clock.WaitForTimerAsync(d => d == OneSecond);
            var changer = Task.Run(() => timer.Change(OneSecond, Timeout.InfiniteTimeSpan));
            await seen.Safe();

            clock.Advance(OneSecond);

            Assert.True(Volatile.Read(ref ticks) == i, $"Iteration {i}: the changed timer did not fire when the clock passed its due time.");
            await changer.Safe();
        }
    }

    private static Task AdvanceTheMomentItIsSeen(VirtualClock clock, TimeSpan due)
    {
        var advanced = false;
        return clock.WaitForTimerAsync(d =>
        {
            if (d == due && !advanced)
            {
                advanced = true;
                clock.Advance(due);
            }

            return advanced;
        });
    }
}
