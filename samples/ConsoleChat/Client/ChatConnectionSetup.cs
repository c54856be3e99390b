using System.Text.Json;
using RealtimeClient;

namespace ConsoleChat.Client;

/// <summary>The library's options for the chat protocol (docs/protocol.md): heartbeat, reconnect, fatal frames, auth on every connect.</summary>
internal static class ChatConnectionSetup
{
    public static RealtimeOptions Build(ChatClientOptions options) => new()
    {
        Uri = options.Url,
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
            FatalCloseStatuses = new HashSet<int> { 4001, 4009 },
        },
        FatalMessageTypes = new HashSet<string>(StringComparer.Ordinal) { "kicked", "auth_failed" },
        Acknowledgements = new AcknowledgementOptions { InboundIdPath = "data.id" },
        OnConnected = async (ctx, ct) =>
        {
            // Authenticate on every connect, before anything queued goes out.
            var reply = ctx.WaitForTypeAsync(["auth_success", "auth_failed"], ct);
            await ctx.SendAsync(AuthFrame(options.Token), ct).ConfigureAwait(false);
            var (type, _) = await reply.ConfigureAwait(false);
            if (type == "auth_failed")
            {
                throw new FatalConnectionException("The server refused the token.");
            }
        },
    };

    private static string AuthFrame(string token) =>
        "{\"type\":\"auth\",\"data\":" + JsonSerializer.Serialize(new AuthRequest(token), ChatJson.Default.AuthRequest) + "}";
}
