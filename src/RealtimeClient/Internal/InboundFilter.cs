using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using RealtimeClient.Codec;

namespace RealtimeClient.Internal;

/// <summary>
/// What happens to an inbound message on the receive loop before dispatch: acknowledgements complete sends, replies
/// complete requests, duplicates are dropped, fatal messages end the connection. The envelope is read only when one of
/// these needs it.
/// </summary>
internal sealed class InboundFilter
{
    private readonly IMessageCodec _codec;
    private readonly ILogger _logger;
    private readonly string _ackType;
    private readonly string? _dedupPath;
    private readonly DeduplicationWindow? _dedup;
    private readonly IReadOnlySet<string> _fatalTypes;
    private readonly Func<InboundMessage, bool>? _isFatal;

    public InboundFilter(RealtimeOptions options, IMessageCodec codec, ILogger logger)
    {
        _codec = codec;
        _logger = logger;
        _ackType = options.Acknowledgements.AckType;
        _dedupPath = options.Acknowledgements.InboundIdPath;
        _dedup = _dedupPath is null ? null : new DeduplicationWindow(options.Acknowledgements.DeduplicationWindow);
        _fatalTypes = options.FatalMessageTypes;
        _isFatal = options.IsFatalMessage;
    }

    public async ValueTask<DisconnectInfo?> HandleAsync(RealtimeConnection connection, MessageKind kind, byte[] buffer, int length, CancellationToken ct)
    {
        DisconnectInfo? fatal = null;
        if (kind == MessageKind.Text)
        {
            var span = buffer.AsSpan(0, length);
            var queue = ((ISessionHost)connection).Queue;
            var requests = connection.Requests;
            if ((queue.AwaitsAcknowledgements || requests.Count > 0 || _fatalTypes.Count > 0) && _codec.TryReadHeader(span, out var type, out var id))
            {
                if (id is not null)
                {
                    if (string.Equals(type, _ackType, StringComparison.Ordinal))
                    {
                        queue.Acknowledge(id);
                    }
                    else if (requests.Count > 0)
                    {
                        requests.TryComplete(id, span);
                    }
                }

                if (type is not null && _fatalTypes.Contains(type))
                {
                    Log.FatalMessage(_logger, type);
                    fatal = new DisconnectInfo(DisconnectKind.FatalMessage, messageType: type);
                }
            }

            if (_dedup is not null && _codec.TryReadString(span, _dedupPath!, out var dedupId) && !_dedup.TryAdd(dedupId))
            {
                Log.DuplicateSuppressed(_logger, dedupId);
                ArrayPool<byte>.Shared.Return(buffer);
                return null;
            }
        }

        if (fatal is null && _isFatal is not null)
        {
            var message = kind == MessageKind.Text ? new InboundMessage(Encoding.UTF8.GetString(buffer, 0, length)) : new InboundMessage(buffer.AsSpan(0, length).ToArray());
            if (_isFatal(message))
            {
                fatal = new DisconnectInfo(DisconnectKind.FatalMessage);
            }
        }

        await connection.Dispatcher.PostAsync(kind, buffer, length, ct).ConfigureAwait(false);
        return fatal;
    }
}
