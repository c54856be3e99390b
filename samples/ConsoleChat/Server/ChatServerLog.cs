using Microsoft.Extensions.Logging;

namespace ConsoleChat.Server;

/// <summary>
/// Every log event of the chat server. Tokens are never logged (the demo uses the token as the user name,
/// so user names are not logged either): connections are identified by their server-generated id.
/// </summary>
internal static partial class ChatServerLog
{
    [LoggerMessage(1, LogLevel.Information, "Chat server listening on {Url}")]
    public static partial void Listening(ILogger logger, Uri url);

    [LoggerMessage(2, LogLevel.Information, "Chat server stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(3, LogLevel.Debug, "Connection {ConnectionId} opened")]
    public static partial void Connected(ILogger logger, string connectionId);

    [LoggerMessage(4, LogLevel.Debug, "Connection {ConnectionId} closed (user went offline: {WentOffline})")]
    public static partial void Disconnected(ILogger logger, string connectionId, bool wentOffline);

    [LoggerMessage(5, LogLevel.Debug, "Connection {ConnectionId} authenticated")]
    public static partial void Authenticated(ILogger logger, string connectionId);

    [LoggerMessage(6, LogLevel.Debug, "Connection {ConnectionId} failed to authenticate")]
    public static partial void AuthFailed(ILogger logger, string connectionId);

    [LoggerMessage(7, LogLevel.Debug, "Connection {OldConnectionId} kicked: its user logged in on {NewConnectionId}")]
    public static partial void Kicked(ILogger logger, string oldConnectionId, string newConnectionId);

    [LoggerMessage(8, LogLevel.Debug, "Connection {ConnectionId} resent a message id already seen: acked, not broadcast")]
    public static partial void Duplicate(ILogger logger, string connectionId);

    [LoggerMessage(9, LogLevel.Debug, "Connection {ConnectionId} closed after staying silent too long")]
    public static partial void Idle(ILogger logger, string connectionId);

    [LoggerMessage(10, LogLevel.Warning, "Connections did not close within {Timeout}; aborting them")]
    public static partial void CloseTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(11, LogLevel.Error, "Connection {ConnectionId} failed")]
    public static partial void ConnectionFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(12, LogLevel.Error, "Connection {ConnectionId}: handling a client frame failed")]
    public static partial void HandlingFailed(ILogger logger, string connectionId, Exception exception);
}
