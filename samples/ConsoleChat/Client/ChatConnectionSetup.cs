using RealtimeClient;
using RealtimeClient.Outbox.Sqlite;
using RealtimeClient.Serialization;

namespace ConsoleChat.Client;

/// <summary>
/// The library's options for the chat protocol (docs/protocol.md): heartbeat, reconnect, fatal frames, auth on every
/// connect, and with <c>--outbox</c> the SQLite outbox that keeps lines across runs.
/// </summary>
internal static class ChatConnectionSetup
{
    public static RealtimeOptions Build(ChatClientOptions options) => new()
    {
        Uri = options.Url,
        Serializer = new SystemTextJsonSerializer(ChatJson.Default),
        Heartbeat = new HeartbeatOptions
        {
            Interval = options.HeartbeatInterval,
            Timeout = options.HeartbeatTimeout,
            Message = "{\"type\":\"heartbeat\"}",
        },
        Reconnect = new ReconnectOptions
        {
            InitialDelay = options.ReconnectMin,
            MaxDelay = options.ReconnectMax,
            FatalCloseStatuses = [1008, 4001, 4009],
        },
        FatalMessageTypes = ["kicked", "auth_failed"],

        // The connection owns the store: it opens it at start (what an earlier run left goes out first) and closes it on dispose.
        Outbox = options.OutboxPath is { } path ? new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = path }) : null,

        // docs/protocol.md: a refused line is an `error` that repeats its id; chat messages carry their own id in data.id.
        Acknowledgements = new AcknowledgementOptions { InboundIdPath = "data.id", RejectionTypes = ["error"] },
        OnConnected = async (ctx, ct) =>
        {
            // Authenticate on every connect, before anything queued goes out.
            var reply = ctx.WaitForTypeAsync(["auth_success", "auth_failed"], ct);
            await ctx.SendAsync("auth", new AuthRequest(options.Token), ct).ConfigureAwait(false);
            var (type, _) = await reply.ConfigureAwait(false);
            if (type == "auth_failed")
            {
                throw new FatalConnectionException("The server refused the token.");
            }
        },
    };
}
