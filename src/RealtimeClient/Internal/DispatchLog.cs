using Microsoft.Extensions.Logging;

namespace RealtimeClient.Internal;

// Every log event of the dispatcher; event ids 3000-3099 are reserved for it.
internal static partial class DispatchLog
{
    [LoggerMessage(EventId = 3000, EventName = "DecodeFailed", Level = LogLevel.Warning,
        Message = "An inbound message could not be decoded: {Reason}")]
    public static partial void DecodeFailed(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(EventId = 3001, EventName = "SubscriberFailed", Level = LogLevel.Error,
        Message = "A subscriber of {Stream} threw; it keeps its subscription")]
    public static partial void SubscriberFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(EventId = 3002, EventName = "DispatchOverflow", Level = LogLevel.Warning,
        Message = "The dispatch buffer of {Stream} was full ({Capacity} messages); the oldest message was dropped")]
    public static partial void Overflow(ILogger logger, string stream, int capacity);

    [LoggerMessage(EventId = 3003, EventName = "UnhandledType", Level = LogLevel.Debug,
        Message = "No subscriber for message type '{Type}'")]
    public static partial void Unhandled(ILogger logger, string type);

    [LoggerMessage(EventId = 3004, EventName = "DispatchCompleted", Level = LogLevel.Debug,
        Message = "The dispatcher completed its streams; {Discarded} queued messages were discarded")]
    public static partial void Completed(ILogger logger, int discarded);

    [LoggerMessage(EventId = 3005, EventName = "PostedAfterCompletion", Level = LogLevel.Debug,
        Message = "A message arrived after the dispatcher completed and was discarded")]
    public static partial void PostedAfterCompletion(ILogger logger);

    [LoggerMessage(EventId = 3006, EventName = "ErrorReportFailed", Level = LogLevel.Error,
        Message = "Reporting a {Kind} error failed")]
    public static partial void ReportFailed(ILogger logger, ErrorKind kind, Exception exception);

    [LoggerMessage(EventId = 3007, EventName = "DispatchInternalError", Level = LogLevel.Error,
        Message = "Dispatching a message failed unexpectedly")]
    public static partial void InternalError(ILogger logger, Exception exception);
}
