using System.Collections.Concurrent;

namespace RealtimeClient.Internal;

/// <summary>Requests waiting for their reply, by correlation id.</summary>
internal sealed class PendingRequests
{
    // Created on the first request: most connections never make one, and an empty ConcurrentDictionary is about 0.5 KiB
    // (it adds up over many idle connections).
    private ConcurrentDictionary<string, PendingRequest>? _pending;

    // Read for every inbound message: ConcurrentDictionary.Count takes all its locks, so a counter is kept beside it.
    private int _count;

    public int Count => Volatile.Read(ref _count);

    private ConcurrentDictionary<string, PendingRequest> Pending
    {
        get
        {
            var pending = Volatile.Read(ref _pending);
            if (pending is null)
            {
                Interlocked.CompareExchange(ref _pending, new ConcurrentDictionary<string, PendingRequest>(StringComparer.Ordinal), null);
                pending = _pending!;
            }

            return pending;
        }
    }

    public PendingRequest Add(string id, byte[]? resendPayload)
    {
        var request = new PendingRequest(id, resendPayload);
        if (!Pending.TryAdd(id, request))
        {
            throw new InvalidOperationException($"A request with id '{id}' is already pending.");
        }

        Interlocked.Increment(ref _count);

        return request;
    }

    public void Remove(PendingRequest request)
    {
        if (Volatile.Read(ref _pending) is { } pending && pending.TryRemove(new KeyValuePair<string, PendingRequest>(request.Id, request)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Completes the request waiting for <paramref name="id"/> with a copy of the reply; false if none is.</summary>
    public bool TryComplete(string id, ReadOnlySpan<byte> reply)
    {
        if (Volatile.Read(ref _pending) is not { } pending || !pending.TryRemove(id, out var request))
        {
            return false;
        }

        Interlocked.Decrement(ref _count);
        request.Reply.TrySetResult(reply.ToArray());
        return true;
    }

    /// <summary>The connection dropped: requests that may not be resent fail; the others are returned for resending.</summary>
    public List<PendingRequest> OnConnectionLost(Exception error)
    {
        List<PendingRequest> resend = [];
        if (Volatile.Read(ref _pending) is not { } pending)
        {
            return resend;
        }

        foreach (var pair in pending)
        {
            if (pair.Value.ResendPayload is null)
            {
                if (pending.TryRemove(pair))
                {
                    Interlocked.Decrement(ref _count);
                    pair.Value.Reply.TrySetException(error);
                }
            }
            else
            {
                resend.Add(pair.Value);
            }
        }

        return resend;
    }

    public void FailAll(Exception error)
    {
        if (Volatile.Read(ref _pending) is not { } pending)
        {
            return;
        }

        foreach (var pair in pending)
        {
            if (pending.TryRemove(pair))
            {
                Interlocked.Decrement(ref _count);
                pair.Value.Reply.TrySetException(error);
            }
        }
    }
}

internal sealed class PendingRequest(string id, byte[]? resendPayload)
{
    public string Id { get; } = id;

    public byte[]? ResendPayload { get; } = resendPayload;

    public bool Written { get; set; }

    public TaskCompletionSource<byte[]> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
