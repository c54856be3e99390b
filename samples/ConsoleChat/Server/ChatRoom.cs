using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace ConsoleChat.Server;

/// <summary>
/// The chat state and the protocol: who is connected, who is authenticated, the per-user id window, and
/// the answer to every client frame. State changes and the queueing of the frames they cause happen under
/// one lock, so every connection sees broadcasts in the same order. Queueing never blocks (see <see cref="ChatConnection.TrySend"/>).
/// </summary>
internal sealed class ChatRoom : IDisposable
{
    /// <summary>Client message ids longer than this are rejected, which bounds the memory of the id window.</summary>
    internal const int MaxClientIdLength = 256;

    private const int MaxTrackedBroadcasts = 100_000;

    private readonly Lock _gate = new();
    private readonly HashSet<ChatConnection> _connections = [];
    private readonly Dictionary<string, ChatConnection> _online = new(StringComparer.Ordinal);
    private readonly MessageIdWindow _seenIds;
    private readonly ConcurrentDictionary<(string UserId, string ClientId), int> _broadcastCounts = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleLimit;
    private readonly ILogger _logger;
    private readonly ITimer? _idleTimer;
    private readonly List<(int Count, TaskCompletionSource Done)> _countWaiters = [];
    private TaskCompletionSource? _allGone;
    private bool _stopping;

    public ChatRoom(ChatServerOptions options, ILogger logger)
    {
        _time = options.TimeProvider;
        _logger = logger;
        _seenIds = new MessageIdWindow(_time, options.DedupWindow, options.DedupMaxIdsPerUser);
        if (options.HeartbeatTimeout != Timeout.InfiniteTimeSpan)
        {
            _idleLimit = options.HeartbeatTimeout * 3;
            var period = options.HeartbeatTimeout / 2;
            _idleTimer = _time.CreateTimer(static state => ((ChatRoom)state!).CheckIdle(), this, period, period);
        }
    }

    public int ConnectionCount
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    public int OnlineCount
    {
        get
        {
            lock (_gate)
            {
                return _online.Count;
            }
        }
    }

    /// <summary>How many times the message a user sent with this client id was broadcast (0 if never).</summary>
    public int GetBroadcastCount(string userId, string clientMessageId) =>
        _broadcastCounts.TryGetValue((userId, clientMessageId), out int count) ? count : 0;

    /// <summary>For tests: completes when exactly <paramref name="count"/> connections are registered.</summary>
    public Task WaitForConnectionCountAsync(int count)
    {
        lock (_gate)
        {
            if (_connections.Count == count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _countWaiters.Add((count, done));
            return done.Task;
        }
    }

    private void OnConnectionCountChanged()
    {
        for (int i = _countWaiters.Count - 1; i >= 0; i--)
        {
            if (_countWaiters[i].Count == _connections.Count)
            {
                _countWaiters[i].Done.TrySetResult();
                _countWaiters.RemoveAt(i);
            }
        }
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Registers a new connection and greets it with <c>system</c>; false when the server is stopping.</summary>
    public bool TryAdd(ChatConnection connection)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return false;
            }

            _connections.Add(connection);
            OnConnectionCountChanged();
            connection.TrySend(ServerFrames.System(connection.Id, Now));
        }

        ChatServerLog.Connected(_logger, connection.Id);
        return true;
    }

    /// <summary>Forgets a connection that ended; tells everyone else when an authenticated user went offline.</summary>
    public void Remove(ChatConnection connection)
    {
        bool wentOffline = false;
        lock (_gate)
        {
            if (!_connections.Remove(connection))
            {
                return;
            }

            OnConnectionCountChanged();

            var user = connection.User;
            if (user is not null && !connection.Kicked && _online.TryGetValue(user.Id, out var current) && current == connection)
            {
                _online.Remove(user.Id);
                wentOffline = true;
                if (!_stopping)
                {
                    var frame = ServerFrames.Presence("user_offline", user, _online.Count, Now);
                    foreach (var other in _online.Values)
                    {
                        other.TrySend(frame);
                    }
                }
            }

            if (_connections.Count == 0)
            {
                _allGone?.TrySetResult();
            }
        }

        ChatServerLog.Disconnected(_logger, connection.Id, wentOffline);
    }

    /// <summary>Answers one complete client message. A failure of the server itself is an <c>error</c> 500; the connection stays open.</summary>
    public void Handle(ChatConnection connection, WebSocketMessageType messageType, ReadOnlyMemory<byte> payload)
    {
        try
        {
            HandleCore(connection, messageType, payload);
        }
        catch (Exception ex)
        {
            ChatServerLog.HandlingFailed(_logger, connection.Id, ex);
            SendError(connection, ServerFrames.ServerError, "internal server error", id: null);
        }
    }

    private void HandleCore(ChatConnection connection, WebSocketMessageType messageType, ReadOnlyMemory<byte> payload)
    {
        if (messageType != WebSocketMessageType.Text)
        {
            SendError(connection, ServerFrames.BadRequest, "binary frames are not supported; send JSON text frames", id: null);
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload);
        }
        catch (JsonException)
        {
            SendError(connection, ServerFrames.BadRequest, "the frame is not valid JSON", id: null);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                SendError(connection, ServerFrames.BadRequest, "the frame must be a JSON object", id: null);
                return;
            }

            string? id = null;
            if (root.TryGetProperty("id", out var idElement) && idElement.ValueKind != JsonValueKind.Null)
            {
                if (idElement.ValueKind != JsonValueKind.String)
                {
                    SendError(connection, ServerFrames.BadRequest, "'id' must be a string", id: null);
                    return;
                }

                id = idElement.GetString()!;
                if (id.Length > MaxClientIdLength)
                {
                    SendError(connection, ServerFrames.BadRequest, "'id' is too long", id: null);
                    return;
                }
            }

            if (!root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            {
                SendError(connection, ServerFrames.BadRequest, "the frame needs a string 'type'", id);
                return;
            }

            root.TryGetProperty("data", out var data);
            switch (typeElement.GetString())
            {
                case "auth":
                    HandleAuth(connection, data, id);
                    break;
                case "message":
                    HandleMessage(connection, data, id);
                    break;
                case "heartbeat":
                    connection.TrySend(ServerFrames.Heartbeat(Now));
                    SendAck(connection, id);
                    break;
                default:
                    SendError(connection, ServerFrames.BadRequest, "unknown message type", id);
                    break;
            }
        }
    }

    private void HandleAuth(ChatConnection connection, JsonElement data, string? id)
    {
        string? token = data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("token", out var tokenElement)
            && tokenElement.ValueKind == JsonValueKind.String
                ? tokenElement.GetString()
                : null;
        if (string.IsNullOrWhiteSpace(token))
        {
            SendError(connection, ServerFrames.BadRequest, "'data.token' is missing or empty", id);
            return;
        }

        if (token.StartsWith("invalid", StringComparison.Ordinal))
        {
            connection.TrySend(ServerFrames.AuthFailed(Now, id));
            connection.Close((WebSocketCloseStatus)4001, "authentication failed");
            ChatServerLog.AuthFailed(_logger, connection.Id);
            return;
        }

        var user = new ChatUser(token, token);
        ChatConnection? replaced = null;
        lock (_gate)
        {
            if (connection.IsClosing || !_connections.Contains(connection))
            {
                return;
            }

            if (connection.User is { } current)
            {
                if (current.Id == user.Id)
                {
                    // Authenticating again as the same user changes nothing: confirm it, announce nothing.
                    connection.TrySend(ServerFrames.AuthSuccess(current, _online.Count, Now));
                    SendAck(connection, id);
                }
                else
                {
                    SendError(connection, ServerFrames.BadRequest, "this connection is already authenticated as another user", id);
                }

                return;
            }

            if (_online.Remove(user.Id, out var older))
            {
                older.Kicked = true;
                older.TrySend(ServerFrames.Kicked(Now));
                older.Close((WebSocketCloseStatus)4009, "logged in elsewhere");
                replaced = older;
            }

            connection.User = user;
            _online.Add(user.Id, connection);
            long now = Now;
            connection.TrySend(ServerFrames.AuthSuccess(user, _online.Count, now));
            var online = ServerFrames.Presence("user_online", user, _online.Count, now);
            foreach (var other in _online.Values)
            {
                if (other != connection)
                {
                    other.TrySend(online);
                }
            }

            SendAck(connection, id);
        }

        if (replaced is not null)
        {
            ChatServerLog.Kicked(_logger, replaced.Id, connection.Id);
        }

        ChatServerLog.Authenticated(_logger, connection.Id);
    }

    private void HandleMessage(ChatConnection connection, JsonElement data, string? id)
    {
        string? text = data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("text", out var textElement)
            && textElement.ValueKind == JsonValueKind.String
                ? textElement.GetString()
                : null;

        lock (_gate)
        {
            var sender = connection.User;
            if (sender is null)
            {
                SendError(connection, ServerFrames.Unauthenticated, "authenticate first", id);
                return;
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                SendError(connection, ServerFrames.BadRequest, "'data.text' is missing or blank", id);
                return;
            }

            if (id is null || _seenIds.TryRecord(sender.Id, id))
            {
                long now = Now;
                var frame = ServerFrames.Message(Guid.CreateVersion7(_time.GetUtcNow()).ToString("N"), sender, text, now);
                foreach (var member in _online.Values)
                {
                    member.TrySend(frame);
                }

                if (id is not null && _broadcastCounts.Count < MaxTrackedBroadcasts)
                {
                    _broadcastCounts.AddOrUpdate((sender.Id, id), 1, static (_, count) => count + 1);
                }
            }
            else
            {
                ChatServerLog.Duplicate(_logger, connection.Id);
            }

            SendAck(connection, id);
        }
    }

    private void SendAck(ChatConnection connection, string? id)
    {
        if (id is not null)
        {
            connection.TrySend(ServerFrames.Ack(id, Now));
        }
    }

    private void SendError(ChatConnection connection, int code, string message, string? id) =>
        connection.TrySend(ServerFrames.Error(code, message, Now, id));

    private void CheckIdle()
    {
        long now = _time.GetTimestamp();
        List<ChatConnection>? idle = null;
        lock (_gate)
        {
            foreach (var connection in _connections)
            {
                if (!connection.IsClosing && _time.GetElapsedTime(connection.LastReceived, now) >= _idleLimit)
                {
                    (idle ??= []).Add(connection);
                }
            }

            _seenIds.Sweep();
        }

        if (idle is not null)
        {
            foreach (var connection in idle)
            {
                ChatServerLog.Idle(_logger, connection.Id);
                connection.Close(WebSocketCloseStatus.EndpointUnavailable, "idle timeout");
            }
        }
    }

    /// <summary>Refuses new connections and closes every connection with 1001; completes when all have ended.</summary>
    public Task CloseAllAsync()
    {
        lock (_gate)
        {
            _stopping = true;
            _allGone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_connections.Count == 0)
            {
                _allGone.TrySetResult();
            }

            foreach (var connection in _connections)
            {
                connection.Close(WebSocketCloseStatus.EndpointUnavailable, "server shutting down");
            }

            return _allGone.Task;
        }
    }

    /// <summary>Drops every connection that is still there, without a close handshake.</summary>
    public void AbortAll()
    {
        lock (_gate)
        {
            foreach (var connection in _connections)
            {
                connection.Abort();
            }
        }
    }

    public void Dispose() => _idleTimer?.Dispose();
}
