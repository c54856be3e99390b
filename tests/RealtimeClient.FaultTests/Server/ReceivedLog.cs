using RealtimeClient.FaultTests.Support;

namespace RealtimeClient.FaultTests.Server;

/// <summary>One data message as <see cref="FaultServer"/> received it.</summary>
/// <param name="Order">1-based position among every message the server recorded.</param>
/// <param name="Connection">The number of the server connection it arrived on.</param>
/// <param name="Id">The message's <c>id</c>, or <see langword="null"/> for an at-most-once message.</param>
/// <param name="Text">The chat text (<c>data.text</c>) when there is one, else the whole frame.</param>
/// <param name="Repeat">Whether a message with the same <see cref="Id"/> had been recorded before (a resend).</param>
public sealed record ReceivedMessage(int Order, int Connection, string? Id, string Text, bool Repeat);

/// <summary>
/// Every data message the server received, in the order it handled them, with the de-duplication by id that the chat
/// protocol asks of a server: a repeated id is recorded (flagged <see cref="ReceivedMessage.Repeat"/>) and acknowledged
/// again, but appears once in <see cref="FirstArrivals"/>, the stream an application would see. Thread-safe.
/// </summary>
public sealed class ReceivedLog
{
    private readonly Lock _lock = new();
    private readonly List<ReceivedMessage> _all = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly AsyncCounter _count = new();

    /// <summary>How many messages were recorded, repeats included.</summary>
    public int Count => _count.Value;

    /// <summary>Records a message; returns whether it is the first with its id (always true without an id).</summary>
    public bool Record(int connection, string? id, string text)
    {
        bool first;
        lock (_lock)
        {
            first = id is null || _ids.Add(id);
            _all.Add(new ReceivedMessage(_all.Count + 1, connection, id, text, !first));
        }

        _count.Increment();
        return first;
    }

    /// <summary>Every recorded message, repeats included, in order.</summary>
    public IReadOnlyList<ReceivedMessage> All()
    {
        lock (_lock)
        {
            return [.. _all];
        }
    }

    /// <summary>The de-duplicated stream: every message without an id, and the first arrival of each id, in order.</summary>
    public IReadOnlyList<ReceivedMessage> FirstArrivals()
    {
        lock (_lock)
        {
            return [.. _all.Where(static m => !m.Repeat)];
        }
    }

    /// <summary>Completes once <paramref name="count"/> messages (repeats included) have been recorded.</summary>
    public Task WaitForCountAsync(int count, CancellationToken cancellationToken) => _count.WaitForAsync(count, cancellationToken);
}
