using System.Collections.Concurrent;

namespace RealtimeClient.Internal;

/// <summary>Requests waiting for their reply, by correlation id.</summary>
internal sealed class PendingRequests
{
    private readonly ConcurrentDictionary<string, PendingRequest> _pending = new(StringComparer.Ordinal);

    public int Count => _pending.Count;

    public PendingRequest Add(string id, byte[]? resendPayload)
    {
        var request = new PendingRequest(id, resendPayload);
        if (!_pending.TryAdd(id, request))
        {
            throw new InvalidOperationException($"A request with id '{id}' is already pending.");
        }

        return request;
    }

    public void Remove(PendingRequest request) => _pending.TryRemove(new KeyValuePair<string, PendingRequest>(request.Id, request));

    /// <summary>Completes the request waiting for <paramref name="id"/> with a copy of the reply; false if none is.</summary>
    public bool TryComplete(string id, ReadOnlySpan<byte> reply)
    {
        if (!_pending.TryRemove(id, out var request))
        {
            return false;
        }

        request.Reply.TrySetResult(reply.ToArray());
        return true;
    }

    /// <summary>The connection dropped: requests that may not be resent fail; the others are returned for resending.</summary>
    public List<PendingRequest> OnConnectionLost(Exception error)
    {
        List<PendingRequest> resend = [];
        foreach (var pair in _pending)
        {
            if (pair.Value.ResendPayload is null)
            {
                if (_pending.TryRemove(pair))
                {
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
        foreach (var pair in _pending)
        {
            if (_pending.TryRemove(pair))
            {
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
