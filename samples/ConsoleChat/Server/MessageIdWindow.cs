namespace ConsoleChat.Server;

/// <summary>
/// The client message ids seen per user, for de-duplication of resent messages. Keyed by user, not by
/// connection, so ids survive a reconnect. Each user's ids are kept for a time window and up to a count;
/// the oldest are forgotten first. Not thread-safe: the <see cref="ChatRoom"/> calls it under its lock.
/// </summary>
internal sealed class MessageIdWindow
{
    private readonly Dictionary<string, UserIds> _users = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _window;
    private readonly int _maxIdsPerUser;

    public MessageIdWindow(TimeProvider time, TimeSpan window, int maxIdsPerUser)
    {
        _time = time;
        _window = window;
        _maxIdsPerUser = maxIdsPerUser;
    }

    /// <summary>Records <paramref name="id"/> for the user; false when it was already seen within the window.</summary>
    public bool TryRecord(string userId, string id)
    {
        long now = _time.GetTimestamp();
        if (!_users.TryGetValue(userId, out var ids))
        {
            ids = new UserIds();
            _users.Add(userId, ids);
        }

        Expire(ids, now);
        if (ids.Seen.Contains(id))
        {
            return false;
        }

        if (ids.Order.Count >= _maxIdsPerUser)
        {
            ids.Seen.Remove(ids.Order.Dequeue().Id);
        }

        ids.Seen.Add(id);
        ids.Order.Enqueue((id, now));
        return true;
    }

    /// <summary>Forgets expired ids and users left with none, so memory does not grow with departed users.</summary>
    public void Sweep()
    {
        long now = _time.GetTimestamp();
        List<string>? empty = null;
        foreach (var (userId, ids) in _users)
        {
            Expire(ids, now);
            if (ids.Order.Count == 0)
            {
                (empty ??= []).Add(userId);
            }
        }

        if (empty is not null)
        {
            foreach (var userId in empty)
            {
                _users.Remove(userId);
            }
        }
    }

    private void Expire(UserIds ids, long now)
    {
        while (ids.Order.Count > 0 && _time.GetElapsedTime(ids.Order.Peek().SeenAt, now) >= _window)
        {
            ids.Seen.Remove(ids.Order.Dequeue().Id);
        }
    }

    private sealed class UserIds
    {
        public HashSet<string> Seen { get; } = new(StringComparer.Ordinal);

        public Queue<(string Id, long SeenAt)> Order { get; } = new();
    }
}
