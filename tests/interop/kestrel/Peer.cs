using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KestrelPeer;

/// <summary>What one peer process shares between its connections: the log, the acknowledged ids and the limit.</summary>
internal sealed class Peer(PeerLog log, int maxMessageSize)
{
    private readonly HashSet<string> _seenIds = log.RecordedIds();
    private readonly Lock _gate = new();
    private int _connections;

    public PeerLog Log { get; } = log;

    public int MaxMessageSize { get; } = maxMessageSize;

    /// <summary>Records <paramref name="id"/> and says whether it was seen before (on this log, across restarts).</summary>
    public bool IsDuplicate(string id)
    {
        lock (_gate)
        {
            return !_seenIds.Add(id);
        }
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            await context.Response.WriteAsync("WebSocket only\n", context.RequestAborted);
            return;
        }

        // The first subprotocol the client offers; permessage-deflate when the client asks for it; no server pings.
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = offered.Count > 0 ? offered[0] : null,
            DangerousEnableCompression = true,
            KeepAliveInterval = TimeSpan.Zero,
        });

        var conn = $"{Environment.ProcessId}.{Interlocked.Increment(ref _connections)}";
        Log.Write(new JsonObject
        {
            ["conn"] = conn,
            ["event"] = "open",
            ["path"] = context.Request.Path.Value,
            ["query"] = context.Request.QueryString.Value,
            ["subprotocol"] = socket.SubProtocol,
        });

        var connection = new EchoConnection(this, context, socket, conn);
        var (code, reason) = await connection.RunAsync(context.RequestAborted);
        Log.Write(new JsonObject { ["conn"] = conn, ["event"] = "close", ["code"] = code, ["reason"] = reason });
    }
}
