using System.Globalization;

namespace LoopbackHarness;

/// <summary>Run sizes. <c>--quick</c> (under a minute, for CI) or the default full run (a few minutes), <c>--repeat N</c> times.</summary>
internal sealed record HarnessOptions
{
    public bool Quick { get; init; }

    public int Rounds { get; init; } = 9;
    /// <summary>
    /// Warm-up per side before each group of figures: long enough for tiered compilation to reach tier 1 with
    /// dynamic PGO, or a short run measures tier-0 code on whichever side goes first.
    /// </summary>
    public TimeSpan WarmupTime { get; init; } = TimeSpan.FromSeconds(3);
    public int Messages64 { get; init; } = 100_000;
    public int Messages4K { get; init; } = 20_000;
    public int RttSamplesPerRound { get; init; } = 2_000;
    public int AllocationRounds { get; init; } = 5;
    public int IdleConnections { get; init; } = 1_000;

    /// <summary>The scale row: this many idle connections per side (each one a descriptor here and one in the server).</summary>
    public int ScaleIdleConnections { get; init; } = 10_000;

    /// <summary>The streaming row: this many connections, each sent <see cref="StreamRate"/> messages a second by the server.</summary>
    public int StreamConnections { get; init; } = 1_000;
    public int StreamRate { get; init; } = 50;
    public TimeSpan StreamDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long after connecting the scale row counts timers: longer than the clients' connect timeouts (Websocket.Client
    /// leaves its 5 s one to fire), so it counts the timers that stay.
    /// </summary>
    public TimeSpan TimerSettle { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>Size of each streamed message (a tick envelope padded to this size, delivered as a string).</summary>
    public int StreamMessageSize { get; init; } = 128;
    public int Ticks { get; init; } = 200_000;
    public int TickSize { get; init; } = 256;
    public int ReconnectTrials { get; init; } = 3;
    public int ReconnectQueued { get; init; } = 100;

    /// <summary>The fixed reconnect delay the library is configured with (no jitter), longer than an echo server restart.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Hard stop for one run of the harness; nothing waits longer (the whole process: this × <see cref="Repeat"/>).</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How many times the whole harness runs; each ratio is then reported as min / median / max over the runs.</summary>
    public int Repeat { get; init; } = 1;

    public string? OutputPath { get; init; }

    /// <summary>Only these steps (echo, idle, scale, stream, typed, reconnect); null: all.</summary>
    public IReadOnlySet<string>? Only { get; init; }

    public static readonly string[] StepKeys = ["echo", "idle", "scale", "stream", "typed", "reconnect"];

    /// <summary>The chart (PNG). Default: next to <see cref="OutputPath"/> (same name, .png), else in the temp folder.</summary>
    public string? ChartPath { get; init; }

    public string EffectiveChartPath => ChartPath
        ?? (OutputPath is { } md ? Path.ChangeExtension(md, ".png") : Path.Combine(Path.GetTempPath(), "loopback-harness.png"));

    public string ServerDll { get; init; } = EchoServerProcess.DefaultServerDll;

    public static HarnessOptions QuickDefaults => new()
    {
        Quick = true,
        Rounds = 7,
        WarmupTime = TimeSpan.FromSeconds(1.5),
        Messages64 = 30_000,
        Messages4K = 8_000,
        RttSamplesPerRound = 1_000,
        AllocationRounds = 3,
        IdleConnections = 200,   // also keeps CI runners with a 1,024 descriptor limit safe
        ScaleIdleConnections = 500,
        StreamConnections = 200,
        StreamDuration = TimeSpan.FromSeconds(1),
        TimerSettle = TimeSpan.FromSeconds(1),
        Ticks = 50_000,
        ReconnectTrials = 1,
        Deadline = TimeSpan.FromMinutes(2),
    };

    public const string Usage = """
        usage: LoopbackHarness [--quick] [--repeat N] [--out FILE.md] [--chart FILE.png] [--connections N]
                               [--scale-connections N] [--stream-connections N] [--only STEPS] [--server PATH]
          --quick                 small run for CI, under a minute (fewer messages and rounds, a few hundred connections)
          --repeat N              run everything N times; each ratio is shown as min / median / max over the runs
          --out FILE              also write the Markdown table (and with --repeat, each run's table) to FILE
          --chart FILE            where the PNG chart goes (default: FILE.png next to --out, else the temp folder)
          --connections N         idle connections for the first memory row (default 1000, quick 200)
          --scale-connections N   idle connections for the scale rows (default 10000, quick 500); needs N + 200
                                  file descriptors in this process and in the echo server (ulimit -n)
          --stream-connections N  connections for the streaming row, 50 msg/s each (default 1000, quick 200)
          --only STEP[,STEP]      run only these steps: echo, idle, scale, stream, typed, reconnect (default: all)
          --server PATH           echo server to start (default: echo-server/EchoServer.dll next to the harness)
        """;

    /// <summary>Parses the command line; null (with a message on stderr) when it is wrong or --help.</summary>
    public static HarnessOptions? Parse(string[] args)
    {
        var options = Array.IndexOf(args, "--quick") >= 0 ? QuickDefaults : new HarnessOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (arg)
            {
                case "--quick":
                    break;
                case "--connections" when Positive(value) is int n:
                    options = options with { IdleConnections = n };
                    i++;
                    break;
                case "--scale-connections" when Positive(value) is int n:
                    options = options with { ScaleIdleConnections = n };
                    i++;
                    break;
                case "--stream-connections" when Positive(value) is int n:
                    options = options with { StreamConnections = n };
                    i++;
                    break;
                case "--repeat" when Positive(value) is int n and <= 20:
                    options = options with { Repeat = n };
                    i++;
                    break;
                case "--only" when value is not null && value.Split(',').All(k => StepKeys.Contains(k)):
                    options = options with { Only = value.Split(',').ToHashSet(StringComparer.Ordinal) };
                    i++;
                    break;
                case "--chart" when value is not null:
                    options = options with { ChartPath = value };
                    i++;
                    break;
                case "--out" when value is not null:
                    options = options with { OutputPath = value };
                    i++;
                    break;
                case "--server" when value is not null:
                    options = options with { ServerDll = Path.GetFullPath(value) };
                    i++;
                    break;
                default:
                    Console.Error.WriteLine(arg is "--help" or "-h" ? Usage : $"unknown or incomplete option '{arg}'\n{Usage}");
                    return null;
            }
        }

        return options;
    }

    private static int? Positive(string? value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : null;
}
