using System.Globalization;

namespace ConsoleChat;

/// <summary>The sample's command line.</summary>
internal sealed record ChatArguments
{
    public const string Usage = """
        usage: dotnet run --project samples/ConsoleChat -- [options]

          (no options)               start the sample chat server on a free 127.0.0.1 port and join it
          --url ws://HOST:PORT/ws    join any server that speaks the chat protocol instead
          --token T                  the token to authenticate with (default: your OS user name)
          --serve PORT               run only the chat server, in the foreground
          --heartbeat-interval S     seconds between heartbeats (default: 30)
          --heartbeat-timeout S      seconds of silence before the connection is dead (default: 60)
          --reconnect-min S          first reconnect delay in seconds (default: 1)
          --reconnect-max S          longest reconnect delay in seconds (default: 30)
          --drain-timeout S          with piped input: how long to wait at the end for every line's ack (default: 10)
          --help                     this text

        Type a line to send it; /quit exits. Lines typed while offline are queued and shown as delivered on their ack.
        Exit codes: 0 ok, 2 lines not delivered, 3 kicked, 4 authentication failed, 5 closed, 64 bad arguments.
        """;

    public Uri? Url { get; init; }

    public string Token { get; init; } = Environment.UserName is { Length: > 0 } user ? user : "guest";

    public int? ServePort { get; init; }

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool Help { get; init; }

    public static bool TryParse(string[] args, out ChatArguments result, out string? error)
    {
        result = new ChatArguments();
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                result = result with { Help = true };
                continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value";
                return false;
            }

            var value = args[++i];
            switch (name)
            {
                case "--url" when Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "ws" or "wss":
                    result = result with { Url = url };
                    break;
                case "--token" when value.Length > 0:
                    result = result with { Token = value };
                    break;
                case "--serve" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535:
                    result = result with { ServePort = port };
                    break;
                case "--heartbeat-interval" when Seconds(value) is { } s:
                    result = result with { HeartbeatInterval = s };
                    break;
                case "--heartbeat-timeout" when Seconds(value) is { } s:
                    result = result with { HeartbeatTimeout = s };
                    break;
                case "--reconnect-min" when Seconds(value) is { } s:
                    result = result with { ReconnectMin = s };
                    break;
                case "--reconnect-max" when Seconds(value) is { } s:
                    result = result with { ReconnectMax = s };
                    break;
                case "--drain-timeout" when Seconds(value) is { } s:
                    result = result with { DrainTimeout = s };
                    break;
                default:
                    error = $"unknown option or bad value: {name} {value}";
                    return false;
            }
        }

        if (result.ReconnectMax < result.ReconnectMin)
        {
            error = "--reconnect-max must not be less than --reconnect-min";
            return false;
        }

        return true;
    }

    private static TimeSpan? Seconds(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 ? TimeSpan.FromSeconds(s) : null;
}
