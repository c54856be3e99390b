namespace RealtimeClient.Outbound;

/// <summary>
/// Acknowledged messages that were written and wait for their acknowledgement: the in-flight window, the acknowledgement
/// clock, early acknowledgements, and the hand-back of unacknowledged messages, in their original order, for a resend.
/// </summary>
/// <remarks>
/// Not thread-safe on its own: <see cref="OutboundQueue"/> calls every member under its lock. One timer serves the whole
/// window: messages enter it in write order and share one timeout, so the oldest deadline is always the first one. The
/// clock runs only while a socket is attached: an outage does not time messages out (they are resent on the next
/// connection anyway, in order).
/// </remarks>
internal sealed class AcknowledgementTracker : IDisposable
{
    private readonly LinkedList<OutboundMessage> _inFlight = new();
    private readonly Dictionary<string, OutboundMessage> _byId = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly int _maxInFlight;
    private readonly TimerCallback _onTimer;
    private readonly object _timerState;
    private ITimer? _timer;
    private bool _clockRunning;

    public AcknowledgementTracker(AcknowledgementOptions options, TimeProvider time, TimerCallback onTimer, object timerState)
    {
        _time = time;
        _timeout = options.AckTimeout;
        _maxInFlight = options.MaxInFlight;
        _onTimer = onTimer;
        _timerState = timerState;
    }

    public int Count => _inFlight.Count;

    /// <summary>The messages in flight, in write order (read under the queue's lock only).</summary>
    public IEnumerable<OutboundMessage> Messages => _inFlight;

    /// <summary>Whether another acknowledged message may be written now.</summary>
    public bool HasRoom => _inFlight.Count < _maxInFlight;

    /// <summary>A written message starts waiting for its acknowledgement (the clock starts if it was stopped).</summary>
    public void Add(OutboundMessage message)
    {
        message.Place = MessagePlace.InFlight;
        message.AckDeadline = _time.GetTimestamp() + Ticks(_timeout);
        message.Node = _inFlight.AddLast(message);
        _byId[message.Id!] = message;
        if (!_clockRunning || _inFlight.Count == 1)
        {
            _clockRunning = true;
            Arm(_timeout);
        }
    }

    /// <summary>Takes the in-flight message with <paramref name="id"/> out of the window; null when none waits for it.</summary>
    public OutboundMessage? Take(string id)
    {
        if (!_byId.TryGetValue(id, out var message))
        {
            return null;
        }

        Remove(message);
        return message;
    }

    public void Remove(OutboundMessage message)
    {
        _inFlight.Remove(message.Node!);
        _byId.Remove(message.Id!);
        message.Node = null;
        message.Place = MessagePlace.None;
        if (_inFlight.Count == 0)
        {
            Disarm();
        }
    }

    /// <summary>Every message still waiting, in their original (send) order, taken out of the window.</summary>
    public List<OutboundMessage> TakeAll()
    {
        var all = new List<OutboundMessage>(_inFlight.Count);
        foreach (var message in _inFlight)
        {
            message.Node = null;
            message.Place = MessagePlace.None;
            all.Add(message);
        }

        _inFlight.Clear();
        _byId.Clear();
        Disarm();
        all.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        return all;
    }

    /// <summary>The socket went away: the clock stops until messages are written again.</summary>
    public void StopClock() => Disarm();

    /// <summary>The messages whose deadline passed, taken out of the window in their original order; the clock re-arms for the next deadline.</summary>
    public List<OutboundMessage> TakeOverdue()
    {
        List<OutboundMessage> overdue = [];
        if (!_clockRunning)
        {
            return overdue;
        }

        var now = _time.GetTimestamp();
        while (_inFlight.First is { } first && first.Value.AckDeadline <= now)
        {
            var message = first.Value;
            Remove(message);
            overdue.Add(message);
        }

        if (_inFlight.First is { } next)
        {
            _clockRunning = true;
            Arm(_time.GetElapsedTime(now, next.Value.AckDeadline));
        }

        overdue.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        return overdue;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private void Arm(TimeSpan due)
    {
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        if (_timer is null)
        {
            _timer = _time.CreateTimer(_onTimer, _timerState, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void Disarm()
    {
        _clockRunning = false;
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private long Ticks(TimeSpan span) => (long)(span.Ticks * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
}
