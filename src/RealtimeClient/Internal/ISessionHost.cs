using Microsoft.Extensions.Logging;

namespace RealtimeClient.Internal;

/// <summary>What a <see cref="Session"/> needs from the connection that outlives it.</summary>
internal interface ISessionHost
{
    RealtimeOptions Options { get; }

    TimeProvider Time { get; }

    ILogger Logger { get; }

    OutboundQueue Queue { get; }

    void ReportError(RealtimeError error);

    /// <summary>Reads the envelope type and id of a text message; false if it is not an envelope.</summary>
    bool TryReadHeader(ReadOnlySpan<byte> utf8, out string? type, out string? id);

    /// <summary>A connected session was lost and the connection will try again.</summary>
    void OnConnectionLost(DisconnectInfo info);

    /// <summary>
    /// Handles one complete inbound message (acks, replies, de-duplication, dispatch). Takes ownership of
    /// <paramref name="buffer"/> (rented from the shared pool). Returns how the session must end if the message is fatal.
    /// </summary>
    ValueTask<DisconnectInfo?> OnInboundAsync(MessageKind kind, byte[] buffer, int length, CancellationToken cancellationToken);
}
