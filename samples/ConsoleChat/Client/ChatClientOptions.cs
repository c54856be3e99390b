namespace ConsoleChat.Client;

/// <summary>What the sample chat client is run with (from the command line).</summary>
internal sealed record ChatClientOptions
{
    public required Uri Url { get; init; }

    public required string Token { get; init; }

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>With piped input: how long the end of the input waits for every line's ack (default: 10 s).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long Ctrl-C, /quit and the end of typed input give pending lines before leaving (default: 2 s).</summary>
    public TimeSpan QuitWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The outbox file (SQLite) that keeps every line until it is acknowledged, across runs; none by default.</summary>
    public string? OutboxPath { get; init; }

    /// <summary>True when input is a terminal: lines are typed by a person rather than piped.</summary>
    public bool Interactive { get; init; }
}
