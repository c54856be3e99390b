using System.Globalization;

namespace ConsoleChat;

/// <summary>The sample's command line.</summary>
internal sealed record ChatArguments
{
    public const string Usage = """
        usage: dotnet run --project samples/ConsoleChat -- [options]

          (no options)               start the sample chat server on a free 127.0.0.1 port and join it
          --url ws://HOST:PORT/ws    join any server that speaks the chat protocol (docs/protocol.md) instead
          --token T                  the token to authenticate with (default: your OS user name)
          --serve PORT               run only the chat server, in the foreground (0 picks a free port)
          --max-message-bytes N      the sample server's (embedded or --serve) largest client message in bytes;
                                     a larger one closes the connection with 1009 (default: 1048576)
          --heartbeat-interval S     seconds between heartbeats (default: 30)
          --heartbeat-timeout S      seconds of silence before the connection is dead (default: 60)
          --reconnect-min S          first reconnect delay in seconds (default: 1)
          --reconnect-max S          longest reconnect delay in seconds (default: 30)
          --drain-timeout S          with piped input: how long to wait at the end for every line's ack (default: 10)
          --quit-wait S              how long Ctrl-C and /quit wait for pending lines (default: 2)
          --outbox PATH              keep every line in this file (SQLite) until the server acknowledged it: lines
                                     typed while offline survive a crash or kill of the chat and go out on the next
                                     run with the same --outbox; that run shows them delivered (or failed). One chat
                                     at a time per file. A file that cannot be opened (in use by another chat,
                                     corrupt, not writable) ends the chat at start with exit code 7
          --help                     this text

        Type a line to send it. /help lists the commands, /status shows the connection and the lines pending,
        /quit leaves. Lines typed while offline are queued and shown as delivered on their ack (with --outbox:
        saved to the file first, shown "saved").
        Ctrl-C leaves after giving pending lines a short chance (--quit-wait) and names those not delivered;
        a second Ctrl-C leaves at once.
        Exit codes: 0 ok, 2 lines not delivered (with --outbox they stay in the file for the next run), 3 kicked,
        4 token refused, 5 closed, 6 the --serve port is in use, 7 the --outbox file cannot be opened, 64 bad arguments,
        130 a second Ctrl-C.
        The chat protocol: docs/protocol.md in the repository.
        """;

    public Uri? Url { get; init; }

    public string Token { get; init; } = Environment.UserName is { Length: > 0 } user ? user : "guest";

    public int? ServePort { get; init; }

    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan QuitWait { get; init; } = TimeSpan.FromSeconds(2);

    public string? Outbox { get; init; }

    public bool Help { get; init; }

    /// <summary>Parses <paramref name="args"/>; on failure, <paramref name="error"/> names the flag (and the value) at fault.</summary>
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

            if (!TakesValue(name))
            {
                error = name.StartsWith('-') ? $"unknown option {name}" : $"unexpected argument '{name}' (options start with --)";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value";
                return false;
            }

            var value = args[++i];
            result = Apply(result, name, value, out error)!;
            if (error is not null)
            {
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

    private static bool TakesValue(string name) => name is "--url" or "--token" or "--serve" or "--max-message-bytes" or "--heartbeat-interval"
        or "--heartbeat-timeout" or "--reconnect-min" or "--reconnect-max" or "--drain-timeout" or "--quit-wait" or "--outbox";

    private static ChatArguments? Apply(ChatArguments result, string name, string value, out string? error)
    {
        error = null;
        switch (name)
        {
            case "--url" when Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "ws" or "wss":
                return result with { Url = url };
            case "--url":
                error = $"--url: '{value}' is not a ws:// or wss:// URL (for example ws://127.0.0.1:8080/ws)";
                return null;
            case "--token" when value.Trim().Length > 0:
                return result with { Token = value };
            case "--token":
                error = "--token: the token must not be empty";
                return null;
            case "--serve" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535:
                return result with { ServePort = port };
            case "--serve":
                error = $"--serve: '{value}' is not a port (0 to 65535)";
                return null;
            case "--max-message-bytes" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes >= 16:
                return result with { MaxMessageBytes = bytes };
            case "--max-message-bytes":
                error = $"--max-message-bytes: '{value}' is not a number of bytes (16 or more)";
                return null;
            case "--outbox" when value.Trim().Length > 0:
                return result with { Outbox = value };
            case "--outbox":
                error = "--outbox: the file path must not be empty";
                return null;
        }

        if (Seconds(value) is not { } s)
        {
            error = $"{name}: '{value}' is not a number of seconds greater than 0";
            return null;
        }

        return name switch
        {
            "--heartbeat-interval" => result with { HeartbeatInterval = s },
            "--heartbeat-timeout" => result with { HeartbeatTimeout = s },
            "--reconnect-min" => result with { ReconnectMin = s },
            "--reconnect-max" => result with { ReconnectMax = s },
            "--drain-timeout" => result with { DrainTimeout = s },
            _ => result with { QuitWait = s },
        };
    }

    private static TimeSpan? Seconds(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s < 86_400 ? TimeSpan.FromSeconds(s) : null;
}
