using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace RealtimeClient.Internal;

// Every log event of the engine, with stable event ids (1000-1099 connection, 1100-1199 queue).
// Nothing here takes a URI, a header value or a token: only hosts, counts, codes and exception types.
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Debug, "State {Previous} -> {Current}")]
    public static partial void StateChanged(ILogger logger, ConnectionState previous, ConnectionState current);

    [LoggerMessage(1001, LogLevel.Error, "Unexpected state transition {Previous} -> {Current} ignored")]
    public static partial void UnexpectedTransition(ILogger logger, ConnectionState previous, ConnectionState current);

    [LoggerMessage(1002, LogLevel.Debug, "Attempt {Attempt} connecting to {Host}")]
    public static partial void Connecting(ILogger logger, int attempt, string host);

    [LoggerMessage(1003, LogLevel.Information, "Connected to {Host} on attempt {Attempt}")]
    public static partial void Connected(ILogger logger, string host, int attempt);

    [LoggerMessage(1004, LogLevel.Warning, "Attempt {Attempt} failed: {Disconnect}")]
    public static partial void AttemptFailed(ILogger logger, int attempt, string disconnect);

    [LoggerMessage(1005, LogLevel.Information, "Reconnecting: attempt {Attempt} in {DelayMs} ms")]
    public static partial void Reconnecting(ILogger logger, int attempt, double delayMs);

    [LoggerMessage(1006, LogLevel.Warning, "Connection lost after {UpTimeMs} ms: {Disconnect}")]
    public static partial void ConnectionLost(ILogger logger, double upTimeMs, string disconnect);

    [LoggerMessage(1007, LogLevel.Information, "Closed for good: {Reason}")]
    public static partial void Closed(ILogger logger, CloseReason reason);

    [LoggerMessage(1008, LogLevel.Warning, "Nothing received for {SilenceMs} ms: the connection is dead")]
    public static partial void HeartbeatTimeout(ILogger logger, double silenceMs);

    [LoggerMessage(1009, LogLevel.Warning, "Inbound message over {Limit} bytes: closing with 1009")]
    public static partial void MessageTooLarge(ILogger logger, int limit);

    [LoggerMessage(1010, LogLevel.Warning, "Inbound text message is not valid UTF-8")]
    public static partial void InvalidUtf8(ILogger logger, Exception? exception);

    [LoggerMessage(1011, LogLevel.Warning, "The close handshake did not finish within {TimeoutMs} ms: aborting")]
    public static partial void CloseTimedOut(ILogger logger, double timeoutMs);

    [LoggerMessage(1012, LogLevel.Warning, "An observer of {Stream} threw; it stays subscribed")]
    public static partial void ObserverFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(1013, LogLevel.Warning, "The on-connected hook failed")]
    public static partial void OnConnectedFailed(ILogger logger, Exception exception);

    [LoggerMessage(1014, LogLevel.Warning, "The token provider failed")]
    public static partial void TokenProviderFailed(ILogger logger, Exception exception);

    [LoggerMessage(1015, LogLevel.Debug, "Server closed the connection with {Status}")]
    public static partial void ServerClosed(ILogger logger, WebSocketCloseStatus? status);

    [LoggerMessage(1016, LogLevel.Error, "Unexpected failure in {Component}")]
    public static partial void InternalError(ILogger logger, string component, Exception exception);

    [LoggerMessage(1017, LogLevel.Information, "Fatal message {Type} received")]
    public static partial void FatalMessage(ILogger logger, string type);

    [LoggerMessage(1100, LogLevel.Warning, "Outbound message dropped: {Reason} ({Pending} pending)")]
    public static partial void MessageDropped(ILogger logger, DeliveryFailureReason reason, int pending);

    [LoggerMessage(1101, LogLevel.Debug, "Resending {Count} unacknowledged messages")]
    public static partial void ResendingUnacknowledged(ILogger logger, int count);

    [LoggerMessage(1102, LogLevel.Debug, "Inbound duplicate {Id} suppressed")]
    public static partial void DuplicateSuppressed(ILogger logger, string id);
}
