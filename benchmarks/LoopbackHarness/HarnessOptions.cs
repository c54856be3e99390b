using System.Globalization;

namespace LoopbackHarness;

/// <summary>Run sizes. <c>--quick</c> (under a minute, for CI) or the default full run (a few minutes).</summary>
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
    public int Ticks { get; init; } = 200_000;
    public int TickSize { get; init; } = 256;
    public int ReconnectTrials { get; init; } = 3;
    public int ReconnectQueued { get; init; } = 100;

    /// <summary>The fixed reconnect delay the library is configured with (no jitter), longer than an echo server restart.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Hard stop for the whole run; nothing waits longer.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(15);

    public string? OutputPath { get; init; }

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
        Ticks = 50_000,
        ReconnectTrials = 1,
        Deadline = TimeSpan.FromMinutes(2),
    };

    public const string Usage = """
        usage: LoopbackHarness [--quick] [--connections N] [--out FILE.md] [--server PATH/EchoServer.dll]
          --quick          small run for CI, under a minute (fewer messages and rounds, 200 idle connections)
          --connections N  idle connections for the memory figure (default 1000, quick 200)
          --out FILE       also write the Markdown table to FILE
          --server PATH    echo server to start (default: echo-server/EchoServer.dll next to the harness)
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
                case "--connections" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0:
                    options = options with { IdleConnections = n };
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
}
