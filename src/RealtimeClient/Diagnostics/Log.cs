using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace RealtimeClient.Diagnostics;

/// <summary>
/// Every log event of the library, with stable ids: 1000-1099 connection, 1100-1199 outbound, 3000-3099 inbound and
/// dispatch. Nothing here takes an address, a header value or a token: only hosts, counts, codes, causes and exceptions
/// whose messages the library wrote or sanitised.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, EventName = "StateChanged", Level = LogLevel.Debug, Message = "State {Previous} -> {Current}")]
    public static partial void StateChanged(ILogger logger, ConnectionState previous, ConnectionState current);

    [LoggerMessage(EventId = 1001, EventName = "UnexpectedTransition", Level = LogLevel.Error, Message = "Unexpected state transition {Previous} -> {Current} ignored (expected to leave {Expected})")]
    public static partial void UnexpectedTransition(ILogger logger, ConnectionState previous, ConnectionState current, ConnectionState expected);

    [LoggerMessage(EventId = 1002, EventName = "Connecting", Level = LogLevel.Debug, Message = "Attempt {Attempt} connecting to {Host}")]
    public static partial void Connecting(ILogger logger, int attempt, string host);

    [LoggerMessage(EventId = 1003, EventName = "Connected", Level = LogLevel.Information, Message = "Connected to {Host} on attempt {Attempt}")]
    public static partial void Connected(ILogger logger, string host, int attempt);

    [LoggerMessage(EventId = 1004, EventName = "AttemptFailed", Level = LogLevel.Warning, Message = "Attempt {Attempt} failed: {Cause}")]
    public static partial void AttemptFailed(ILogger logger, int attempt, string cause, Exception? exception);

    [LoggerMessage(EventId = 1005, EventName = "Reconnecting", Level = LogLevel.Information, Message = "Reconnecting: attempt {Attempt} in {DelayMs} ms")]
    public static partial void Reconnecting(ILogger logger, int attempt, double delayMs);

    [LoggerMessage(EventId = 1006, EventName = "ConnectionLost", Level = LogLevel.Warning, Message = "Connection lost after {UpTimeMs} ms: {Cause}")]
    public static partial void ConnectionLost(ILogger logger, double upTimeMs, string cause, Exception? exception);

    [LoggerMessage(EventId = 1007, EventName = "Closed", Level = LogLevel.Information, Message = "Closed for good: {Reason}")]
    public static partial void Closed(ILogger logger, CloseReason reason);

    [LoggerMessage(EventId = 1008, EventName = "HeartbeatTimeout", Level = LogLevel.Warning, Message = "No sign of life for {SilenceMs} ms: the connection is dead")]
    public static partial void HeartbeatTimeout(ILogger logger, double silenceMs);

    [LoggerMessage(EventId = 1009, EventName = "MessageTooLarge", Level = LogLevel.Warning, Message = "Inbound message over {Limit} bytes: closing with 1009")]
    public static partial void MessageTooLarge(ILogger logger, int limit);

    [LoggerMessage(EventId = 1010, EventName = "InvalidUtf8", Level = LogLevel.Warning, Message = "Inbound text message is not valid UTF-8: the connection was closed with 1007")]
    public static partial void InvalidUtf8(ILogger logger);

    [LoggerMessage(EventId = 1011, EventName = "CloseTimedOut", Level = LogLevel.Warning, Message = "The close did not finish within {TimeoutMs} ms: aborting")]
    public static partial void CloseTimedOut(ILogger logger, double timeoutMs);

    [LoggerMessage(EventId = 1012, EventName = "ObserverFailed", Level = LogLevel.Error, Message = "An observer of {Stream} threw; it stays subscribed")]
    public static partial void ObserverFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(EventId = 1015, EventName = "ServerClosed", Level = LogLevel.Debug, Message = "Server closed the connection with {Status}")]
    public static partial void ServerClosed(ILogger logger, WebSocketCloseStatus? status);

    [LoggerMessage(EventId = 1016, EventName = "InternalError", Level = LogLevel.Error, Message = "Unexpected failure in {Component}")]
    public static partial void InternalError(ILogger logger, string component, Exception exception);

    [LoggerMessage(EventId = 1017, EventName = "FatalMessage", Level = LogLevel.Information, Message = "Fatal message {Type} received")]
    public static partial void FatalMessage(ILogger logger, string? type);

    [LoggerMessage(EventId = 1018, EventName = "ReconnectRequested", Level = LogLevel.Information, Message = "Reconnect requested by the app")]
    public static partial void ReconnectRequested(ILogger logger);

    [LoggerMessage(EventId = 1019, EventName = "RefreshingToken", Level = LogLevel.Information, Message = "The server refused the token ({Cause}): asking the token provider for a fresh one")]
    public static partial void RefreshingToken(ILogger logger, string cause);

    [LoggerMessage(EventId = 1100, EventName = "MessageDropped", Level = LogLevel.Warning, Message = "Outbound message dropped: {Reason}")]
    public static partial void MessageDropped(ILogger logger, DeliveryFailureReason reason);

    [LoggerMessage(EventId = 1101, EventName = "ResendingUnacknowledged", Level = LogLevel.Debug, Message = "Resending {Count} unacknowledged messages")]
    public static partial void ResendingUnacknowledged(ILogger logger, int count);

    [LoggerMessage(EventId = 1102, EventName = "DuplicateSuppressed", Level = LogLevel.Debug, Message = "Inbound duplicate suppressed")]
    public static partial void DuplicateSuppressed(ILogger logger);

    [LoggerMessage(EventId = 1103, EventName = "MessageRejected", Level = LogLevel.Warning, Message = "The server refused an outbound message: {Rejection}")]
    public static partial void MessageRejected(ILogger logger, string rejection);

    [LoggerMessage(EventId = 1104, EventName = "RefusedByClose", Level = LogLevel.Warning, Message = "The server closed with {Status} right after an outbound message (strike {Strike})")]
    public static partial void RefusedByClose(ILogger logger, WebSocketCloseStatus status, int strike);

    [LoggerMessage(EventId = 1105, EventName = "OutboxRecovered", Level = LogLevel.Information, Message = "{Count} durable messages from an earlier run go out first")]
    public static partial void OutboxRecovered(ILogger logger, int count);

    [LoggerMessage(EventId = 1106, EventName = "OutboxFailed", Level = LogLevel.Warning, Message = "The outbox failed: {Operation}")]
    public static partial void OutboxFailed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = 3000, EventName = "DecodeFailed", Level = LogLevel.Warning, Message = "An inbound message could not be decoded: {Reason}")]
    public static partial void DecodeFailed(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(EventId = 3002, EventName = "DispatchOverflow", Level = LogLevel.Warning, Message = "The dispatch buffer of {Stream} was full ({Capacity} messages); the oldest message was dropped")]
    public static partial void DispatchOverflow(ILogger logger, string stream, int capacity);

    [LoggerMessage(EventId = 3003, EventName = "UnhandledType", Level = LogLevel.Debug, Message = "No subscriber for message type '{Type}'")]
    public static partial void Unhandled(ILogger logger, string type);

    [LoggerMessage(EventId = 3004, EventName = "DispatchCompleted", Level = LogLevel.Debug, Message = "The dispatcher completed its streams; {Discarded} queued messages were discarded")]
    public static partial void DispatchCompleted(ILogger logger, int discarded);
}
