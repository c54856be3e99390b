namespace RealtimeClient.Transport;

/// <summary>
/// Heartbeat and liveness of one socket, in one place: when anything last arrived, the application heartbeat message every
/// interval, the silence check that declares the socket dead, and the wall-clock check before a send (timers stall while
/// a laptop sleeps; the wall clock does not). One timer serves both the heartbeat and the silence check.
/// </summary>
/// <remarks>
/// The silence check runs only when an application heartbeat message is set: its reply proves life. Without one, the
/// transport's protocol pings do (their pongs are invisible to the app; the runtime aborts the socket when one is late,
/// and the session reports that as <see cref="DisconnectKind.HeartbeatTimeout"/>).
/// </remarks>
internal sealed class Heartbeat : IDisposable
{
    private readonly HeartbeatOptions _options;
    private readonly TimeProvider _time;
    private readonly ReadOnlyMemory<byte> _message;
    private readonly Func<ReadOnlyMemory<byte>, ValueTask> _send;
    private readonly Action<TimeSpan> _onDead;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private long _lastReceivedTicks;
    private long _nextBeatTicks;
    private int _sending;
    private bool _stopped;

    public Heartbeat(HeartbeatOptions options, TimeProvider time, Func<ReadOnlyMemory<byte>, ValueTask> send, Action<TimeSpan> onDead)
    {
        _options = options;
        _time = time;
        _message = options.Message is { } message ? System.Text.Encoding.UTF8.GetBytes(message) : ReadOnlyMemory<byte>.Empty;
        _send = send;
        _onDead = onDead;
        _lastReceivedTicks = time.GetUtcNow().UtcTicks;
    }

    /// <summary>How long nothing has arrived, by the connection's clock.</summary>
    public TimeSpan Silence => TimeSpan.FromTicks(_time.GetUtcNow().UtcTicks - Volatile.Read(ref _lastReceivedTicks));

    /// <summary>Something arrived: the socket is alive.</summary>
    public void Touch() => Volatile.Write(ref _lastReceivedTicks, _time.GetUtcNow().UtcTicks);

    /// <summary>Starts the heartbeat and the silence check (after the on-connected hook; nothing to do without a message).</summary>
    public void Start()
    {
        if (!_options.SilenceCheckEnabled)
        {
            return;
        }

        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _nextBeatTicks = _time.GetUtcNow().UtcTicks + _options.Interval.Ticks;
            _timer = _time.CreateTimer(static s => ((Heartbeat)s!).OnTimer(), this, NextDue(), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// True (and the socket declared dead) when the wall clock says nothing has arrived for longer than the timeout, for
    /// example after a sleep that stalled the timers.
    /// </summary>
    public bool IsDeadByWallClock()
    {
        if (!_options.SilenceCheckEnabled)
        {
            return false;
        }

        var silence = Silence;
        if (silence < _options.Timeout)
        {
            return false;
        }

        DeclareDead(silence);
        return true;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void OnTimer()
    {
        var silence = Silence;
        if (silence >= _options.Timeout)
        {
            DeclareDead(silence);
            return;
        }

        var now = _time.GetUtcNow().UtcTicks;
        var beat = false;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            if (now >= _nextBeatTicks)
            {
                beat = true;
                _nextBeatTicks = now + _options.Interval.Ticks;
            }

            _timer?.Change(NextDue(), Timeout.InfiniteTimeSpan);
        }

        if (beat && Interlocked.Exchange(ref _sending, 1) == 0)
        {
            _ = SendAsync();
        }
    }

    private async Task SendAsync()
    {
        try
        {
            await _send(_message).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed heartbeat write already ended the session with its cause.
        catch
#pragma warning restore CA1031
        {
        }
        finally
        {
            Volatile.Write(ref _sending, 0);
        }
    }

    // Under the gate: the earlier of the next heartbeat and the moment the silence would reach the timeout.
    private TimeSpan NextDue()
    {
        var now = _time.GetUtcNow().UtcTicks;
        var untilBeat = _nextBeatTicks - now;
        var untilDead = Volatile.Read(ref _lastReceivedTicks) + _options.Timeout.Ticks - now;
        return TimeSpan.FromTicks(Math.Max(0, Math.Min(untilBeat, untilDead)));
    }

    private void DeclareDead(TimeSpan silence)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            _timer?.Dispose();
            _timer = null;
        }

        _onDead(silence);
    }
}
