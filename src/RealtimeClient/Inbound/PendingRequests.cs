using System.Collections.Concurrent;
using RealtimeClient.Buffers;
using RealtimeClient.Diagnostics;
using RealtimeClient.Outbound;
using RealtimeClient.Serialization;

namespace RealtimeClient.Inbound;

/// <summary>
/// Requests waiting for their reply, by correlation id: matched against inbound envelopes on the receive loop, failed or
/// written again when a connection that saw them is lost, and never failed for a loss they did not see (a request still
/// queued goes out on the next connection).
/// </summary>
internal sealed class PendingRequests
{
    private readonly OutboundQueue _queue;

    // Created on the first request: most connections never make one, and an empty ConcurrentDictionary is about 0.5 KiB.
    private ConcurrentDictionary<string, PendingRequest>? _pending;

    // Read for every inbound message: ConcurrentDictionary.Count takes all its locks, so a counter is kept beside it.
    private int _count;

    public PendingRequests(OutboundQueue queue)
    {
        _queue = queue;
    }

    public int Count => Volatile.Read(ref _count);

    private ConcurrentDictionary<string, PendingRequest> Pending
    {
        get
        {
            if (Volatile.Read(ref _pending) is { } pending)
            {
                return pending;
            }

            Interlocked.CompareExchange(ref _pending, new ConcurrentDictionary<string, PendingRequest>(StringComparer.Ordinal), null);
            return _pending!;
        }
    }

    public PendingRequest Add(OutboundMessage message, byte[]? resendCopy)
    {
        var request = new PendingRequest(message, resendCopy);
        if (!Pending.TryAdd(request.Id, request))
        {
            throw new InvalidOperationException($"A request with id '{request.Id}' is already pending.");
        }

        Interlocked.Increment(ref _count);
        return request;
    }

    /// <summary>
    /// The request is over (answered, failed, cancelled or timed out): it stops waiting, and a resend of it still queued is
    /// taken out of the queue, so an abandoned request is never written again.
    /// </summary>
    public void Remove(PendingRequest request)
    {
        if (Volatile.Read(ref _pending) is { } pending && pending.TryRemove(new KeyValuePair<string, PendingRequest>(request.Id, request)))
        {
            Interlocked.Decrement(ref _count);
        }

        _queue.Cancel(request.Message);
    }

    /// <summary>Completes the request waiting for <paramref name="id"/>; false if none is.</summary>
    public bool TryComplete(string id, Func<Envelope> reply) => Take(id) is { } request && request.Reply.TrySetResult(reply());

    /// <summary>Fails the request waiting for <paramref name="id"/> with the server's refusal (measured first); false if none is.</summary>
    public bool TryReject(string id, ServerRejection rejection, ConnectionTelemetry telemetry)
    {
        if (Take(id) is not { } request)
        {
            return false;
        }

        telemetry.MessageFailed(DeliveryFailureReason.Rejected);
        return request.Reply.TrySetException(new MessageDeliveryException(id, rejection));
    }

    /// <summary>
    /// A connection was lost (after its writes settled): a request written on it and not answered fails, or with
    /// <paramref name="resend"/> is written again on the next connection, at its place in the order. A request not written
    /// yet is left alone: it goes out on the next connection.
    /// </summary>
    public void OnConnectionLost(DisconnectInfo info, bool resend)
    {
        if (Volatile.Read(ref _pending) is not { } pending)
        {
            return;
        }

        foreach (var (_, request) in pending)
        {
            if (!request.Message.WasWritten)
            {
                continue;
            }

            if (resend && request.ResendCopy is { } copy)
            {
                var again = new OutboundMessage(request.Message.Sequence, RentedBuffer.CopyOf(copy), request.Message.Kind, DeliveryMode.AtMostOnce, request.Id);
                request.Message = again;
                _ = FailIfNotWrittenAsync(request, again);
                _queue.Requeue(again);
                if (!pending.TryGetValue(request.Id, out var still) || still != request)
                {
                    // Abandoned (cancelled or timed out) meanwhile: its Remove may have looked at the previous message.
                    _queue.Cancel(again);
                }
            }
            else if (pending.TryRemove(new KeyValuePair<string, PendingRequest>(request.Id, request)))
            {
                Interlocked.Decrement(ref _count);
                request.Reply.TrySetException(new ConnectionClosedException(info));
            }
        }
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

    private PendingRequest? Take(string id)
    {
        if (Volatile.Read(ref _pending) is not { } pending || !pending.TryRemove(id, out var request))
        {
            return null;
        }

        Interlocked.Decrement(ref _count);
        return request;
    }

    /// <summary>
    /// A resend that fails (refused by the server, say) fails its request with the cause, instead of leaving it to its
    /// timeout. A resend failed because the connection closed for good is left to <see cref="FailAll"/>, which follows
    /// every close of the queue and fails the request with the <see cref="ConnectionClosedException"/> that says why;
    /// racing it here made the exception depend on timing.
    /// </summary>
    private static async Task FailIfNotWrittenAsync(PendingRequest request, OutboundMessage resend)
    {
        try
        {
            await resend.AsValueTask().ConfigureAwait(false);
        }
        catch (MessageDeliveryException ex) when (ex.Reason != DeliveryFailureReason.ConnectionClosed)
        {
            request.Reply.TrySetException(ex);
        }
        catch (MessageDeliveryException)
        {
            // The connection closed for good: FailAll says so.
        }
    }
}

/// <summary>One request: its message (the latest attempt), a copy of its bytes when it may be resent, and its reply.</summary>
internal sealed class PendingRequest(OutboundMessage message, byte[]? resendCopy)
{
    public string Id { get; } = message.Id!;

    private OutboundMessage _message = message;

    public OutboundMessage Message
    {
        get => Volatile.Read(ref _message);
        set => Volatile.Write(ref _message, value);
    }

    public byte[]? ResendCopy { get; } = resendCopy;

    public TaskCompletionSource<Envelope> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
