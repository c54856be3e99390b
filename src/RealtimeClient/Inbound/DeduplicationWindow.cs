namespace RealtimeClient.Inbound;

/// <summary>The ids of the most recently delivered inbound messages, bounded: the oldest is forgotten first.</summary>
internal sealed class DeduplicationWindow(int capacity)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Records <paramref name="id"/>; false if it was already in the window (a duplicate).</summary>
    public bool TryAdd(string id)
    {
        lock (_gate)
        {
            if (!_seen.Add(id))
            {
                return false;
            }

            _order.Enqueue(id);
            if (_order.Count > capacity)
            {
                _seen.Remove(_order.Dequeue());
            }

            return true;
        }
    }
}
