namespace RealtimeClient.Tests.Infrastructure;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when a test calls <see cref="Advance"/> or
/// <see cref="SetUtcNow"/>. Timers fire synchronously on the advancing thread, in due-time order, with the
/// clock set to each timer's due time while its callback runs. Works for <c>Task.Delay(span, provider)</c>,
/// <c>new CancellationTokenSource(span, provider)</c>, <c>WaitAsync(span, provider)</c> and Polly v8.
/// </summary>
/// <remarks>
/// Thread-safe. A timer created or changed with a due time of zero fires at once, synchronously inside
/// <c>CreateTimer</c>/<c>Change</c> (as Microsoft's FakeTimeProvider does). Because the code under test schedules
/// its timers from the thread pool, use <see cref="WaitForTimerAsync"/> or <see cref="AdvanceToNextTimerAsync"/>
/// to learn that a timer exists before advancing.
/// </remarks>
public sealed class ManualTimeProvider : TimeProvider
{
    /// <summary>The instant a provider starts at unless told otherwise: 2026-01-01T00:00Z.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly object _lock = new();
    private readonly List<ManualTimer> _active = [];
    private readonly List<(Func<TimeSpan, bool>? Predicate, TaskCompletionSource Signal)> _waiters = [];
    private DateTimeOffset _now;
    private long _sequence;

    /// <summary>Creates a provider whose clock reads <paramref name="start"/> (default <see cref="DefaultStart"/>).</summary>
    public ManualTimeProvider(DateTimeOffset? start = null)
    {
        _now = (start ?? DefaultStart).ToUniversalTime();
    }

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>The number of timers that are scheduled to fire (created or changed with a finite due time, not disposed).</summary>
    public int ActiveTimerCount
    {
        get { lock (_lock) { return _active.Count; } }
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) { return _now; }
    }

    /// <inheritdoc />
    public override long GetTimestamp()
    {
        lock (_lock) { return _now.UtcTicks; }
    }

    /// <summary>The remaining time until each active timer fires, soonest first.</summary>
    public IReadOnlyList<TimeSpan> PendingDueTimes()
    {
        lock (_lock)
        {
            return _active.Select(t => t.DueAt - _now).Order().ToArray();
        }
    }

    /// <summary>
    /// Moves the clock forward by <paramref name="delta"/>, firing every timer that falls due on the way (including
    /// periodic timers several times, and timers created or changed by callbacks), each with the clock at its due time.
    /// </summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_lock) { target = _now + delta; }
        RunTimersUntil(target);
    }

    /// <summary>Moves the clock forward to <paramref name="value"/> (which must not be in the past), firing timers as <see cref="Advance"/> does.</summary>
    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_lock)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, _now);
        }

        RunTimersUntil(value.ToUniversalTime());
    }

    /// <summary>
    /// Completes as soon as an active timer exists whose remaining due time satisfies <paramref name="predicate"/>
    /// (any timer when null); at once if one already does.
    /// </summary>
    public Task WaitForTimerAsync(Func<TimeSpan, bool>? predicate = null, CancellationToken cancellationToken = default)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (AnyMatchLocked(predicate))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((predicate, signal));
        }

        if (cancellationToken.CanBeCanceled)
        {
            CancellationTokenRegistration registration = cancellationToken.Register(() =>
            {
                lock (_lock)
                {
                    _waiters.RemoveAll(w => w.Signal == signal);
                }

                signal.TrySetCanceled(cancellationToken);
            });
            _ = signal.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return signal.Task;
    }

    /// <summary>
    /// Waits (see <see cref="WaitForTimerAsync"/>) for an active timer matching <paramref name="predicate"/>, then
    /// advances the clock to the soonest matching timer's due time (firing it and anything due before it).
    /// Returns how far the clock moved.
    /// </summary>
    public async Task<TimeSpan> AdvanceToNextTimerAsync(Func<TimeSpan, bool>? predicate = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            await WaitForTimerAsync(predicate, cancellationToken).ConfigureAwait(false);
            TimeSpan? step;
            lock (_lock)
            {
                step = _active.Select(t => t.DueAt - _now).Where(r => predicate is null || predicate(r)).Order().Cast<TimeSpan?>().FirstOrDefault();
            }

            // The matching timer may have been disposed between the wait and the lock: wait again.
            if (step is { } delta)
            {
                Advance(delta);
                return delta;
            }
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        lock (_lock) { return $"{_now:O} ({_active.Count} active timers)"; }
    }

    private static void Validate(TimeSpan value, string name)
    {
        if (value != Timeout.InfiniteTimeSpan && value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be non-negative or Timeout.InfiniteTimeSpan.");
        }
    }

    private bool AnyMatchLocked(Func<TimeSpan, bool>? predicate)
    {
        foreach (ManualTimer timer in _active)
        {
            if (predicate is null || predicate(timer.DueAt - _now))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Completes the waiters that now match. Called under the lock; continuations run asynchronously.</summary>
    private void SignalWaitersLocked()
    {
        for (int i = _waiters.Count - 1; i >= 0; i--)
        {
            if (AnyMatchLocked(_waiters[i].Predicate))
            {
                _waiters[i].Signal.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    private bool ChangeTimer(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        Validate(dueTime, nameof(dueTime));
        Validate(period, nameof(period));
        lock (_lock)
        {
            if (timer.Disposed)
            {
                return false;
            }

            _active.Remove(timer);
            timer.Period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                timer.DueAt = _now + dueTime;
                timer.Sequence = ++_sequence;
                _active.Add(timer);
                SignalWaitersLocked();
            }
        }

        // A timer due now fires at once, like a real timer would (soon), without needing an Advance.
        if (dueTime == TimeSpan.Zero)
        {
            RunTimersUntil(GetUtcNow());
        }

        return true;
    }

    private void DisposeTimer(ManualTimer timer)
    {
        lock (_lock)
        {
            timer.Disposed = true;
            _active.Remove(timer);
        }
    }

    private void RunTimersUntil(DateTimeOffset target)
    {
        while (true)
        {
            ManualTimer? next = null;
            lock (_lock)
            {
                foreach (ManualTimer timer in _active)
                {
                    if (timer.DueAt <= target && (next is null || timer.DueAt < next.DueAt || (timer.DueAt == next.DueAt && timer.Sequence < next.Sequence)))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    if (target > _now)
                    {
                        _now = target;
                    }

                    SignalWaitersLocked();
                    return;
                }

                if (next.DueAt > _now)
                {
                    _now = next.DueAt;
                }

                if (next.Period > TimeSpan.Zero)
                {
                    next.DueAt += next.Period;
                    next.Sequence = ++_sequence;
                }
                else
                {
                    _active.Remove(next);
                }

                SignalWaitersLocked();
            }

            next.Callback(next.State);
        }
    }

    /// <summary>One timer of a <see cref="ManualTimeProvider"/>; its mutable fields are guarded by the provider's lock.</summary>
    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public DateTimeOffset DueAt { get; set; }

        public TimeSpan Period { get; set; }

        public long Sequence { get; set; }

        public bool Disposed { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period) => owner.ChangeTimer(this, dueTime, period);

        public void Dispose() => owner.DisposeTimer(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
