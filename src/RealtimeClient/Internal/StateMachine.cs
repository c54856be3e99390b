using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace RealtimeClient.Internal;

/// <summary>
/// The connection's public state and the table of allowed transitions. Every transition names the state it expects
/// to leave; a transition not in the table, or from a state other than the expected one, is refused, logged as a bug
/// and asserted in debug builds. Thread-safe.
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

    private readonly object _gate = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ObserverList<StateChange> _changes;
    private volatile int _state = (int)ConnectionState.Disconnected;

    public StateMachine(ILogger logger, TimeProvider time, Action<Exception> onObserverFailed)
    {
        _logger = logger;
        _time = time;
        _changes = new ObserverList<StateChange>("StateChanges", logger, replayLatest: true, onObserverFailed);
        _changes.Publish(new StateChange(ConnectionState.Disconnected, ConnectionState.Disconnected, time.GetUtcNow()));
    }

    public ConnectionState State => (ConnectionState)_state;

    public IObservable<StateChange> Changes => _changes;

    public static bool IsAllowed(ConnectionState from, ConnectionState to) => Array.IndexOf(Allowed[from], to) >= 0;

    /// <summary>Moves from <paramref name="expected"/> to <paramref name="next"/>; false (and a logged bug) if the state was not <paramref name="expected"/> or the move is not in the table.</summary>
    public bool TryTransition(ConnectionState expected, ConnectionState next, int attempt = 0, TimeSpan? retryDelay = null,
        DisconnectInfo? disconnect = null, CloseReason? closeReason = null)
    {
        StateChange change;
        lock (_gate)
        {
            if (State != expected || !IsAllowed(expected, next))
            {
                Log.UnexpectedTransition(_logger, State, next);
                Debug.Fail($"Unexpected transition {State} -> {next} (expected to leave {expected}).");
                return false;
            }

            _state = (int)next;
            change = new StateChange(expected, next, _time.GetUtcNow(), attempt, retryDelay, disconnect, closeReason);

            // Publish inside the gate so observers see transitions in the order they happened.
            Log.StateChanged(_logger, expected, next);
            _changes.Publish(change);
        }

        return true;
    }

    /// <summary>Moves to <see cref="ConnectionState.Closed"/> from whatever state is current (stop and dispose may come at any time); false if already closed.</summary>
    public bool TryClose(CloseReason reason, DisconnectInfo? disconnect)
    {
        lock (_gate)
        {
            return State != ConnectionState.Closed && TryTransition(State, ConnectionState.Closed, disconnect: disconnect, closeReason: reason);
        }
    }

    public void Complete() => _changes.Complete();
}
