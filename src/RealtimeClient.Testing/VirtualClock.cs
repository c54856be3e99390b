using Microsoft.Extensions.Time.Testing;

namespace RealtimeClient.Testing;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also tells a test which timers the code under test has scheduled, so the test can
/// wait until a timer exists before it advances the clock (the code under test schedules its timers from other threads).
/// Pass it as the connection's <see cref="TimeProvider"/>; every delay, timeout and timestamp of the connection follows it.
/// </summary>
/// <example>
/// <code>
/// var reconnecting = await states.NextAsync(s => s.Current == ConnectionState.Reconnecting);
/// await clock.WaitForTimerAsync(due => due == reconnecting.RetryDelay);
/// clock.Advance(reconnecting.RetryDelay!.Value);
/// </code>
/// </example>
public class VirtualClock : FakeTimeProvider
{
    /// <summary>The instant a clock starts at unless told otherwise: 2026-01-01T00:00Z.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Lock _gate = new();
    private readonly List<TrackedTimer> _timers = [];
    private readonly List<(Func<TimeSpan, bool> DueTime, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>Creates a clock that reads <paramref name="start"/> (default: <see cref="DefaultStart"/>).</summary>
    /// <param name="start">The starting instant.</param>
    public VirtualClock(DateTimeOffset? start = null)
        : base(start ?? DefaultStart)
    {
    }

    /// <summary>The time left until each scheduled timer fires, soonest first.</summary>
    /// <returns>The remaining due times.</returns>
    public IReadOnlyList<TimeSpan> PendingDueTimes()
    {
        var now = GetUtcNow();
        lock (_gate)
        {
            return [.. _timers.Where(t => t.DueAt is not null).Select(t => t.DueAt!.Value - now).Order()];
        }
    }

    /// <summary>
    /// Completes when a timer is scheduled whose time left matches <paramref name="dueTime"/> (any timer when
    /// <see langword="null"/>), including one scheduled before the call.
    /// </summary>
    /// <param name="dueTime">Which time left to wait for, for example <c>d =&gt; d == TimeSpan.FromSeconds(1)</c>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Completes when such a timer exists.</returns>
    public Task WaitForTimerAsync(Func<TimeSpan, bool>? dueTime = null, CancellationToken cancellationToken = default)
    {
        dueTime ??= static _ => true;
        lock (_gate)
        {
            if (Matches(dueTime))
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((dueTime, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Waits for the soonest timer matching <paramref name="dueTime"/> and advances the clock to it (firing it).</summary>
    /// <param name="dueTime">Which time left to wait for (any timer when <see langword="null"/>).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>How far the clock moved.</returns>
    public async Task<TimeSpan> AdvanceToNextTimerAsync(Func<TimeSpan, bool>? dueTime = null, CancellationToken cancellationToken = default)
    {
        await WaitForTimerAsync(dueTime, cancellationToken).ConfigureAwait(false);
        var next = PendingDueTimes().Where(d => dueTime?.Invoke(d) ?? true).DefaultIfEmpty(TimeSpan.Zero).Min();
        Advance(next < TimeSpan.Zero ? TimeSpan.Zero : next);
        return next;
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var tracked = new TrackedTimer(this, period, callback, state);
        tracked.Schedule(dueTime);
        tracked.Inner = base.CreateTimer(static s => ((TrackedTimer)s!).Fire(), tracked, dueTime, period);
        return tracked;
    }

    private bool Matches(Func<TimeSpan, bool> dueTime)
    {
        var now = GetUtcNow();
        foreach (var timer in _timers)
        {
            if (timer.DueAt is { } at && dueTime(at - now))
            {
                return true;
            }
        }

        return false;
    }

    private void OnScheduled(TrackedTimer timer)
    {
        List<TaskCompletionSource> ready = [];
        lock (_gate)
        {
            if (timer.DueAt is null)
            {
                _timers.Remove(timer);
            }
            else if (!_timers.Contains(timer))
            {
                _timers.Add(timer);
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (Matches(_waiters[i].DueTime))
                {
                    ready.Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var signal in ready)
        {
            signal.TrySetResult();
        }
    }

    private sealed class TrackedTimer(VirtualClock clock, TimeSpan period, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = period;

        public ITimer? Inner { get; set; }

        public DateTimeOffset? DueAt { get; private set; }

        public void Schedule(TimeSpan dueTime)
        {
            DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime;
            clock.OnScheduled(this);
        }

        public void Fire()
        {
            DueAt = _period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero ? null : clock.GetUtcNow() + _period;
            clock.OnScheduled(this);
            callback(state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            Schedule(dueTime);
            return Inner!.Change(dueTime, period);
        }

        public void Dispose()
        {
            DueAt = null;
            clock.OnScheduled(this);
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
