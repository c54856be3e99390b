using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RealtimeClient.Diagnostics;
using RealtimeClient.Streams;

namespace RealtimeClient.Connection;

/// <summary>
/// The connection's public state and the table of allowed transitions. Every transition names the state it expects to
/// leave; one not in the table, or from another state, is refused, logged as a bug and asserted in debug builds. Changes
/// are queued in transition order under the state lock and delivered by <see cref="Publish"/>, which callers call after
/// releasing their locks, so observers never run inside a lock and always see the transitions in the order they happened. Only <see cref="ConnectionLoop"/> calls it.
/// </summary>
internal sealed class StateMachine
{
    // Allowed[from] = the states that may follow it.
    private static readonly Dictionary<ConnectionState, ConnectionState[]> Allowed = new()
    {
        [ConnectionState.Disconnected] = [ConnectionState.Connecting, ConnectionState.Closed],
        [ConnectionState.Connecting] = [ConnectionState.Connected, ConnectionState.Reconnecting, ConnectionState.Closed],
        [ConnectionState.Connected] = [ConnectionState.Reconnecting, ConnectionState.Closed],
        [ConnectionState.Reconnecting] = [ConnectionState.Reconnecting, ConnectionState.Connected, ConnectionState.Closed],
        [ConnectionState.Closed] = [ConnectionState.Connecting],
    };

    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly EventStream<StateChange> _changes;
    private ConnectionState _state = ConnectionState.Disconnected;

    public StateMachine(ILogger logger, TimeProvider time, ErrorReporter errors)
    {
        _logger = logger;
        _time = time;
        _changes = new EventStream<StateChange>("StateChanges", errors.ObserverFailed, replayLatest: true);
    }

    public ConnectionState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public IObservable<StateChange> Changes => _changes;

    public static bool IsAllowed(ConnectionState from, ConnectionState to) => Array.IndexOf(Allowed[from], to) >= 0;

    /// <summary>
    /// Moves from <paramref name="expected"/> to <paramref name="change"/>'s state; false (and a logged bug) when the state
    /// was not <paramref name="expected"/> or the move is not in the table.
    /// </summary>
    public bool TryTransition(ConnectionState expected, StateChangeDetails change)
    {
        lock (_gate)
        {
            if (!TryTransitionLocked(expected, change))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Moves to <paramref name="change"/>'s state from whichever of <paramref name="from"/> is current; false if none is.</summary>
    public bool TryTransitionFrom(ReadOnlySpan<ConnectionState> from, StateChangeDetails change)
    {
        lock (_gate)
        {
            if (from.IndexOf(_state) < 0 || !TryTransitionLocked(_state, change))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Moves to <see cref="ConnectionState.Closed"/> from any other state; false if already closed.</summary>
    public bool TryClose(CloseReason reason, DisconnectInfo? disconnect)
    {
        lock (_gate)
        {
            if (_state == ConnectionState.Closed
                || !TryTransitionLocked(_state, new StateChangeDetails(ConnectionState.Closed) { CloseReason = reason, Disconnect = disconnect }))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Delivers the changes queued by earlier transitions. Callers transition under their own lock (so the order of
    /// transitions is the order of their decisions) and publish after releasing it (so observers never run inside it).
    /// </summary>
    public void Publish() => _changes.Flush();

    public void Complete() => _changes.Complete();

    private bool TryTransitionLocked(ConnectionState expected, StateChangeDetails change)
    {
        var next = change.Next;
        if (_state != expected || !IsAllowed(expected, next))
        {
            Log.UnexpectedTransition(_logger, _state, next, expected);
            Debug.Fail($"Unexpected transition {_state} -> {next} (expected to leave {expected}).");
            return false;
        }

        _state = next;
        Log.StateChanged(_logger, expected, next);
        _changes.Enqueue(new StateChange(expected, next, _time.GetUtcNow())
        {
            Attempt = change.Attempt,
            RetryDelay = change.RetryDelay,
            Disconnect = change.Disconnect,
            CloseReason = change.CloseReason,
        });
        return true;
    }
}

/// <summary>What a transition carries besides the state it enters.</summary>
internal readonly record struct StateChangeDetails(ConnectionState Next)
{
    public int Attempt { get; init; }

    public TimeSpan? RetryDelay { get; init; }

    public DisconnectInfo? Disconnect { get; init; }

    public CloseReason? CloseReason { get; init; }
}
