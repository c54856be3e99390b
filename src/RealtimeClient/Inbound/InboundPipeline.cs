using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using RealtimeClient.Buffers;
using RealtimeClient.Diagnostics;
using RealtimeClient.Outbound;
using RealtimeClient.Serialization;

namespace RealtimeClient.Inbound;

/// <summary>
/// What happens to a received message on the receive loop before dispatch, text and binary alike: acknowledgements
/// complete sends, refusals fail them (or requests), replies complete requests, duplicates are dropped, fatal messages end
/// the connection, and everything else goes to the dispatcher. The envelope is read once, only when one of these needs it,
/// and handed on so the dispatcher does not read it again.
/// </summary>
internal sealed class InboundPipeline
{
    private readonly IEnvelopeFormat _format;
    private readonly IPayloadSerializer _serializer;
    private readonly OutboundQueue _acks;
    private readonly PendingRequests _requests;
    private readonly Dispatcher _dispatcher;
    private readonly ErrorReporter _errors;
    private readonly ConnectionTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly string _ackType;
    private readonly HashSet<string> _rejectionTypes;
    private readonly string _codePath;
    private readonly string _messagePath;
    private readonly HashSet<string> _fatalTypes;
    private readonly Func<InboundMessage, bool>? _isFatal;
    private readonly string? _dedupPath;
    private readonly DeduplicationWindow? _dedup;

    public InboundPipeline(RealtimeOptions options, IEnvelopeFormat format, IPayloadSerializer serializer, OutboundQueue acks,
        PendingRequests requests, Dispatcher dispatcher, ErrorReporter errors, ILogger logger, ConnectionTelemetry? telemetry = null)
    {
        _telemetry = telemetry ?? ConnectionTelemetry.None;
        _format = format;
        _serializer = serializer;
        _acks = acks;
        _requests = requests;
        _dispatcher = dispatcher;
        _errors = errors;
        _logger = logger;
        var a = options.Acknowledgements;
        _ackType = a.AckType;
        _rejectionTypes = new HashSet<string>(a.RejectionTypes, StringComparer.Ordinal);
        _codePath = a.RejectionCodePath;
        _messagePath = a.RejectionMessagePath;
        _fatalTypes = new HashSet<string>(options.FatalMessageTypes, StringComparer.Ordinal);
        _isFatal = options.IsFatalMessage;
        _dedupPath = a.InboundIdPath;
        _dedup = _dedupPath is null ? null : new DeduplicationWindow(a.DeduplicationWindow);
    }

    /// <summary>
    /// Handles one complete message; takes ownership of its bytes. Returns how the connection must end when the message is
    /// fatal (after it was delivered), otherwise <see langword="null"/>. With <paramref name="moreMayFollow"/> (a receive
    /// loop reading messages back to back), the dispatch task is not woken for it at once; the caller calls
    /// <see cref="WakeDispatch"/> before it waits for the network or ends.
    /// </summary>
    public async ValueTask<DisconnectInfo?> HandleAsync(MessageKind kind, RentedBuffer message, CancellationToken ct, bool moreMayFollow = false)
    {
        _telemetry.MessageReceived(kind, message.Length);
        DisconnectInfo? fatal = null;
        EnvelopeHeader? header = null;
        Exception? formatFailure = null;
        if (_format.CanRead(kind))
        {
            // Read only when something needs it: an acknowledgement or a refusal (of a message sent with an id, even one whose
            // send completed long ago, which is reported on Errors when nobody waits for it) is one of those things, and so is
            // the dispatch of a typed stream (read here, the dispatch task does not read it again). The checks take no lock:
            // this runs for every message received.
            if ((_fatalTypes.Count > 0 || _requests.Count > 0 || _acks.IdsSent || _dispatcher.ReadsEnvelopes)
                && TryReadHeader(message.Span, out var read, ref formatFailure))
            {
                header = read;
                if (read.Id is { } id)
                {
                    Correlate(kind, message, read, id);
                }

                if (_fatalTypes.Contains(read.Type))
                {
                    Log.FatalMessage(_logger, read.Type);
                    fatal = new DisconnectInfo(DisconnectKind.FatalMessage) { MessageType = read.Type };
                }
            }

            if (_dedup is not null && TryReadValue(message.Span, _dedupPath!, out var dedupId, ref formatFailure) && !_dedup.TryAdd(dedupId))
            {
                Log.DuplicateSuppressed(_logger);
                message.Return();
                return fatal;
            }
        }

        if (fatal is null && _isFatal is not null && IsFatal(kind, message))
        {
            Log.FatalMessage(_logger, null);
            fatal = new DisconnectInfo(DisconnectKind.FatalMessage);
        }

        var item = new DispatchItem(kind, message, header, unreadable: formatFailure is not null);
        if (formatFailure is not null)
        {
            // A format that throws has a bug: reported once here (the dispatcher then publishes the message raw only), and
            // the receive loop goes on.
            var reason = $"The envelope format threw {formatFailure.GetType().Name} reading the message.";
            Log.DecodeFailed(_logger, reason, formatFailure);
            _errors.Report(ErrorKind.DecodeFailed, reason, formatFailure, item.Excerpt());
        }

        await _dispatcher.PostAsync(item, ct, deferWake: moreMayFollow && fatal is null).ConfigureAwait(false);
        return fatal;
    }

    /// <summary>Wakes the dispatch task for the messages handled with <c>moreMayFollow</c>.</summary>
    public void WakeDispatch() => _dispatcher.WakeDispatch();

    /// <summary>
    /// The app's <see cref="RealtimeOptions.IsFatalMessage"/>: app code on the receive loop, so whatever it throws is
    /// reported (<see cref="ErrorKind.SubscriberFailed"/>, with an excerpt) and the message is taken as not fatal, rather than
    /// ending the connection as if the network had failed.
    /// </summary>
    private bool IsFatal(MessageKind kind, RentedBuffer message)
    {
        var raw = InboundMessage.From(kind, message.Span);
        try
        {
            return _isFatal!(raw);
        }
#pragma warning disable CA1031 // See above.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            const string Predicate = "RealtimeOptions.IsFatalMessage";
            Log.ObserverFailed(_logger, Predicate, ex);
            _errors.Report(ErrorKind.SubscriberFailed, $"{Predicate} threw {ex.GetType().Name}; the message was taken as not fatal.", ex,
                new DispatchItem(kind, message, header: null).Excerpt());
            return false;
        }
    }

    /// <summary>An envelope with an id: an acknowledgement, a refusal, or the reply to a request.</summary>
    private void Correlate(MessageKind kind, RentedBuffer message, EnvelopeHeader header, string id)
    {
        if (string.Equals(header.Type, _ackType, StringComparison.Ordinal))
        {
            _acks.Acknowledge(id);
            return;
        }

        if (_rejectionTypes.Contains(header.Type))
        {
            var rejection = ReadRejection(kind, message, header);
            Log.MessageRejected(_logger, rejection.ToString());
            if (!_acks.Reject(id, rejection) && !_requests.TryReject(id, rejection, _telemetry))
            {
                _errors.Report(ErrorKind.MessageRejected, $"The server refused message '{id}', which no send or request was waiting for: {rejection}.");
            }

            return;
        }

        if (_requests.Count > 0)
        {
            _requests.TryComplete(id, () => new Envelope(header, kind, message.Span.ToArray(), _format, _serializer));
        }
    }

    private ServerRejection ReadRejection(MessageKind kind, RentedBuffer message, EnvelopeHeader header)
    {
        Exception? ignored = null; // the header just read: a format that throws here has thrown there already
        TryReadValue(message.Span, _codePath, out var code, ref ignored);
        TryReadValue(message.Span, _messagePath, out var text, ref ignored);
        return new ServerRejection(code, text)
        {
            Type = header.Type,
            Reply = new Envelope(header, kind, message.Span.ToArray(), _format, _serializer),
        };
    }

    // The format is app-replaceable code on the receive loop: whatever it throws is recorded, never let out.
    private bool TryReadHeader(ReadOnlySpan<byte> message, out EnvelopeHeader header, ref Exception? failure)
    {
        try
        {
            return _format.TryReadHeader(message, out header, out _);
        }
#pragma warning disable CA1031 // See above.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure ??= ex;
            header = default;
            return false;
        }
    }

    private bool TryReadValue(ReadOnlySpan<byte> message, string path, [NotNullWhen(true)] out string? value, ref Exception? failure)
    {
        try
        {
            return _format.TryReadValue(message, path, out value);
        }
#pragma warning disable CA1031 // See above.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure ??= ex;
            value = null;
            return false;
        }
    }
}
