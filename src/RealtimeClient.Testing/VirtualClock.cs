using Microsoft.Extensions.Time.Testing;

namespace RealtimeClient.Testing;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also tells a test which timers the code under test has scheduled, so the test can
/// wait until a timer exists before it advances the clock (the code under test schedules its timers from other threads).
/// Pass it as the connection's <see cref="TimeProvider"/>; every delay, timeout and timestamp of the connection follows it.
/// Timers may be created and changed on any thread; the clock is advanced from one thread at a time (as with
/// <see cref="FakeTimeProvider"/>), and counts due times to the tick, as it does.
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

    /// <summary>
    /// The time left until each scheduled timer fires, soonest first. A timer being scheduled on another thread meanwhile is
    /// either listed, or was scheduled after this list was taken: then its time left counts from a clock reading no earlier
    /// than this one (so after an <see cref="FakeTimeProvider.Advance"/> that came before this call, it has its whole due time left).
    /// </summary>
    /// <returns>The remaining due times.</returns>
    public IReadOnlyList<TimeSpan> PendingDueTimes()
    {
        lock (_gate)
        {
            var now = GetUtcNow();
            return [.. _timers.Select(t => t.DueAt).OfType<DateTimeOffset>().Select(at => at - now).Order()];
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
    /// <remarks>
    /// A timer is announced to <see cref="WaitForTimerAsync"/> only once it is really scheduled, so a test that advances the
    /// clock as soon as it sees the timer fires it, whichever thread created or changed it. As with
    /// <see cref="FakeTimeProvider"/>, a zero due time fires the callback at once, on the calling thread.
    /// </remarks>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var tracked = new TrackedTimer(this, callback, state);

        // Created disarmed, then armed by Change: every due time is announced only after the inner timer holds it.
        tracked.Inner = base.CreateTimer(static s => ((TrackedTimer)s!).Fire(), tracked, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        tracked.Change(dueTime, period);
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

    /// <summary>
    /// Sets the timer's due time (<paramref name="dueTime"/> from now; none when infinite) and lists it, in one step under the
    /// gate that <see cref="PendingDueTimes"/> and <see cref="WaitForTimerAsync"/> read under: a timer whose due time was
    /// read off the clock before an advance but listed only after a look at the timers taken after that advance would be
    /// invisible to that look and then appear with less than its whole due time left, matching no wait for a new timer.
    /// </summary>
    private void Publish(TrackedTimer timer, TimeSpan dueTime)
    {
        List<TaskCompletionSource> ready = [];
        lock (_gate)
        {
            timer.SetDueAt(dueTime);
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

    private sealed class TrackedTimer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private const long NotDue = long.MinValue;
        private readonly Lock _sync = new();
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private long _dueAtTicks = NotDue; // UTC ticks; written under _sync, read by the clock from other threads
        private bool _disposed;

        public ITimer? Inner { get; set; }

        /// <summary>When the timer fires next, or <see langword="null"/>.</summary>
        public DateTimeOffset? DueAt => Volatile.Read(ref _dueAtTicks) is var ticks && ticks != NotDue ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

        private bool IsPeriodic => _period != Timeout.InfiniteTimeSpan && _period != TimeSpan.Zero;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            // As FakeTimeProvider does: due times to the tick, and a zero due time fires at once, on this thread.
            var fireNow = dueTime == TimeSpan.Zero;
            lock (_sync)
            {
                if (_disposed)
                {
                    return false;
                }

                _period = period;

                // Fired below, on this thread, when due now; then it runs on with its period.
                Arm(fireNow ? (IsPeriodic ? period : Timeout.InfiniteTimeSpan) : dueTime);
            }

            if (fireNow)
            {
                callback(state);
            }

            return true;
        }

        /// <summary>The inner timer reached its due time (on the thread advancing the clock).</summary>
        public void Fire()
        {
            lock (_sync)
            {
                if (_disposed)
                {
                    return;
                }

                // The inner timer schedules its next period itself once this callback returns.
                clock.Publish(this, IsPeriodic ? _period : Timeout.InfiniteTimeSpan);
            }

            callback(state);
        }

        public void Dispose()
        {
            lock (_sync)
            {
                _disposed = true;
                Inner?.Dispose();
                clock.Publish(this, Timeout.InfiniteTimeSpan);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        // Under _sync: the inner timer first, then the due time, published with the timer (read off the clock no earlier than
        // the inner timer read it, so never before the timer really fires).
        private void Arm(TimeSpan dueTime)
        {
            Inner!.Change(dueTime, IsPeriodic ? _period : Timeout.InfiniteTimeSpan);
            clock.Publish(this, dueTime);
        }

        /// <summary>Under the clock's gate (see <see cref="Publish"/>).</summary>
        public void SetDueAt(TimeSpan dueTime) =>
            Volatile.Write(ref _dueAtTicks, dueTime == Timeout.InfiniteTimeSpan ? NotDue : (clock.GetUtcNow() + dueTime).UtcTicks);
    }
}
