using RealtimeClient.FaultTests.Support;

namespace RealtimeClient.FaultTests.Server;

/// <summary>
/// Decides whether <see cref="FaultServer"/> accepts a WebSocket handshake: it refuses the next N with a chosen status
/// (503 or 401, say). A handshake refused with 401 also revokes the token it carried, so that token is refused again
/// every time it comes back, as an authentication server would; a fresh token passes. Thread-safe.
/// </summary>
public sealed class HandshakeGate
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _revoked = new(StringComparer.Ordinal);
    private readonly AsyncCounter _accepted = new();
    private int _remaining;
    private int _status;
    private int _refused;

    /// <summary>Handshakes accepted so far.</summary>
    public int Accepted => _accepted.Value;

    /// <summary>Handshakes refused so far.</summary>
    public int Refused
    {
        get
        {
            lock (_lock)
            {
                return _refused;
            }
        }
    }

    /// <summary>Refusals still to come.</summary>
    public int PendingRefusals
    {
        get
        {
            lock (_lock)
            {
                return _remaining;
            }
        }
    }

    /// <summary>Refuses the next <paramref name="count"/> handshakes with <paramref name="statusCode"/> (replacing what was pending).</summary>
    public void RefuseNext(int count, int statusCode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        lock (_lock)
        {
            _remaining = count;
            _status = statusCode;
        }
    }

    /// <summary>Returns the status to refuse a handshake carrying <paramref name="token"/> with, or <see langword="null"/> to accept it.</summary>
    public int? Decide(string? token)
    {
        lock (_lock)
        {
            if (token is not null && _revoked.Contains(token))
            {
                _refused++;
                return 401;
            }

            if (_remaining > 0)
            {
                _remaining--;
                _refused++;
                if (_status == 401 && token is not null)
                {
                    _revoked.Add(token);
                }

                return _status;
            }
        }

        _accepted.Increment();
        return null;
    }

    /// <summary>Completes once <paramref name="count"/> handshakes have been accepted in all.</summary>
    public Task WaitForAcceptedAsync(int count, CancellationToken cancellationToken) => _accepted.WaitForAsync(count, cancellationToken);
}
