using RealtimeClient.Serialization;

namespace RealtimeClient.Transport;

/// <summary>
/// Waits of the on-connected hook for an inbound message on its own socket (an authentication reply, say). Messages still
/// go to subscribers as usual; a wait sees only messages that arrive after it started, and fails when the socket ends.
/// </summary>
internal sealed class MessageWaiters
{
    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiters = [];
    private DisconnectInfo? _ended;
    private int _count;

    public bool Any => Volatile.Read(ref _count) != 0;

    public async Task<(string? Type, InboundMessage Message)> WaitAsync(Func<InboundMessage, bool>? predicate, Func<string, bool>? typePredicate, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(predicate, typePredicate);
        lock (_gate)
        {
            if (_ended is { } ended)
            {
                throw new ConnectionClosedException(ended);
            }

            _waiters.Add(waiter);
            _count = _waiters.Count;
        }

        try
        {
            return await waiter.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
                _count = _waiters.Count;
            }
        }
    }

    /// <summary>Offers an arriving message to every wait; called on the receive loop before the message is handed on.</summary>
    public void Offer(MessageKind kind, ReadOnlySpan<byte> bytes, IEnvelopeFormat format)
    {
        Waiter[] waiters;
        lock (_gate)
        {
            waiters = [.. _waiters];
        }

        if (waiters.Length == 0)
        {
            return;
        }

        var message = InboundMessage.From(kind, bytes);
        var type = format.CanRead(kind) && format.TryReadHeader(bytes, out var header, out _) ? header.Type : null;
        foreach (var waiter in waiters)
        {
            try
            {
                if ((waiter.Predicate?.Invoke(message) ?? false) || (type is not null && (waiter.TypePredicate?.Invoke(type) ?? false)))
                {
                    waiter.Completion.TrySetResult((type, message));
                }
            }
#pragma warning disable CA1031 // The hook's own predicate failed: the hook's wait fails with it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                waiter.Completion.TrySetException(ex);
            }
        }
    }

    /// <summary>The socket ended: every wait fails, and later ones fail at once.</summary>
    public void FailAll(DisconnectInfo info)
    {
        Waiter[] waiters;
        lock (_gate)
        {
            _ended = info;
            waiters = [.. _waiters];
        }

        foreach (var waiter in waiters)
        {
            waiter.Completion.TrySetException(new ConnectionClosedException(info));
        }
    }

    private sealed class Waiter(Func<InboundMessage, bool>? predicate, Func<string, bool>? typePredicate)
    {
        public Func<InboundMessage, bool>? Predicate { get; } = predicate;

        public Func<string, bool>? TypePredicate { get; } = typePredicate;

        public TaskCompletionSource<(string? Type, InboundMessage Message)> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
