namespace RealtimeClient.FaultTests.Chaos;

/// <summary>The fault a race injects on its own link.</summary>
public enum RaceFault
{
    None,
    Cut,
    Reset,
    Freeze,
    FreezeThenReset,
    Slow,
    Refuse,
    ServerClose,
}

/// <summary>When a race's fault strikes (for <see cref="RaceFault.FreezeThenReset"/>: its reset; the freeze comes at its own moment).</summary>
public enum RaceTiming
{
    /// <summary>At the fault's own random moment, independent of the stop.</summary>
    OwnMoment,

    /// <summary>Right before the stop/dispose call, on the same thread: the client has not noticed yet when the close starts.</summary>
    JustBeforeTheStop,

    /// <summary>On another thread at the moment of the stop/dispose call: the link dies during the close.</summary>
    DuringTheStop,
}

/// <summary>How a race ends the connection.</summary>
public enum RaceEnd
{
    /// <summary><c>StopAsync</c>, then <c>DisposeAsync</c>.</summary>
    StopThenDispose,

    /// <summary><c>DisposeAsync</c> alone.</summary>
    Dispose,

    /// <summary><c>StopAsync</c> and <c>DisposeAsync</c> called together.</summary>
    StopAndDisposeTogether,
}

/// <summary>What one race does.</summary>
/// <param name="Index">The race's number.</param>
/// <param name="Fault">The fault on its link.</param>
/// <param name="Timing">When the fault strikes.</param>
/// <param name="End">How the connection is ended.</param>
/// <param name="FaultAtMs">The fault's own moment, after the start.</param>
/// <param name="StopAtMs">The moment of the stop/dispose call, after the start.</param>
/// <param name="ResetAfterMs">For <see cref="RaceFault.FreezeThenReset"/> at its own moment: the reset's delay after the freeze.</param>
/// <param name="CloseCode">For <see cref="RaceFault.ServerClose"/>: the code.</param>
/// <param name="Started">Whether the client is started at all (if not, the sends wait in the queue until the stop/dispose).</param>
public sealed record RacePlan(int Index, RaceFault Fault, RaceTiming Timing, RaceEnd End, int FaultAtMs, int StopAtMs, int ResetAfterMs, int CloseCode, bool Started)
{
    /// <summary>Weighted towards the link dying around the close, where the races find the most.</summary>
    private static readonly (RaceFault Fault, int Weight)[] Weights =
    [
        (RaceFault.None, 1), (RaceFault.Cut, 3), (RaceFault.Reset, 4), (RaceFault.Freeze, 2), (RaceFault.FreezeThenReset, 3),
        (RaceFault.Slow, 1), (RaceFault.Refuse, 1), (RaceFault.ServerClose, 2),
    ];

    private static readonly int[] CloseCodes = [1001, 1011, 1012];

    /// <summary>Every race's plan, drawn in order from one generator seeded with <paramref name="seed"/>.</summary>
    public static IReadOnlyList<RacePlan> Create(int seed, int races)
    {
        var random = new Random(unchecked((seed * 31) + 7));
        var timings = Enum.GetValues<RaceTiming>();
        var ends = Enum.GetValues<RaceEnd>();
        var total = Weights.Sum(w => w.Weight);
        return [.. Enumerable.Range(0, races).Select(i => new RacePlan(
            i,
            Pick(random.Next(total)),
            timings[random.Next(timings.Length)],
            ends[random.Next(ends.Length)],
            FaultAtMs: random.Next(0, 300),
            StopAtMs: random.Next(0, 500),
            ResetAfterMs: random.Next(20, 800),
            CloseCode: CloseCodes[random.Next(CloseCodes.Length)],
            Started: random.Next(10) != 0))];
    }

    public override string ToString()
    {
        var strike = Timing switch
        {
            RaceTiming.JustBeforeTheStop => "just before the stop",
            RaceTiming.DuringTheStop => "during the stop",
            _ when Fault == RaceFault.FreezeThenReset => $"{ResetAfterMs} ms after the freeze",
            _ => $"at {FaultAtMs} ms",
        };
        var fault = Fault == RaceFault.FreezeThenReset ? $"freeze at {FaultAtMs} ms, reset {strike}" : $"{Fault} {strike}";
        return $"race {Index}: {fault}, {End} at {StopAtMs} ms{(Started ? "" : ", never started")}";
    }

    private static RaceFault Pick(int roll)
    {
        foreach (var (fault, weight) in Weights)
        {
            if (roll < weight)
            {
                return fault;
            }

            roll -= weight;
        }

        throw new InvalidOperationException("unreachable");
    }
}
