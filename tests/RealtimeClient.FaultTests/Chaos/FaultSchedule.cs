namespace RealtimeClient.FaultTests.Chaos;

/// <summary>The kinds of fault a chaos run injects.</summary>
public enum FaultKind
{
    /// <summary>The proxy cuts the link (FIN both ways).</summary>
    Cut,

    /// <summary>The proxy resets the link (RST both ways).</summary>
    Reset,

    /// <summary>The proxy freezes the link (existing and new connections) for a while, then thaws it.</summary>
    Freeze,

    /// <summary>The proxy slows the link (delay per chunk or a byte rate) for a while.</summary>
    Slow,

    /// <summary>The proxy refuses new connections (accept-and-close or not listening) for a while, after cutting the link.</summary>
    Refuse,

    /// <summary>The server stops (closing with 1001), stays down for a while, and starts again with its state.</summary>
    ServerRestart,

    /// <summary>The server closes the connection with 1001, 1011 or 1012 (and sometimes the next one too).</summary>
    ServerClose,

    /// <summary>The link is cut and the next 1 to 3 handshakes are refused with 503.</summary>
    Handshake503,

    /// <summary>The link is cut and the next handshake is refused with 401, revoking the token: only a fresh token passes.</summary>
    Handshake401,
}

/// <summary>One fault of a schedule: what, with which parameters, and the quiet time after it.</summary>
/// <param name="Kind">The fault.</param>
/// <param name="Duration">How long a freeze, slow-down, refusal or server outage lasts (zero for instant faults).</param>
/// <param name="Count">Refused handshakes (503), or 2 when a server close also closes the next connection.</param>
/// <param name="Code">The close code of a server close.</param>
/// <param name="Variant">Slow: 0 delay per chunk, 1 byte rate; Refuse: 0 accept-and-close, 1 stop listening.</param>
/// <param name="Amount">Slow: the delay in milliseconds, or the byte rate.</param>
/// <param name="QuietAfter">The pause before the next fault.</param>
public sealed record FaultStep(FaultKind Kind, TimeSpan Duration, int Count, int Code, int Variant, int Amount, TimeSpan QuietAfter)
{
    /// <summary>The time this step is planned to take, without the waits for a reconnect.</summary>
    public TimeSpan Planned => Duration + QuietAfter;
}

/// <summary>A seeded random sequence of faults covering a given time: the same seed gives the same schedule.</summary>
public static class FaultSchedule
{
    private static readonly (FaultKind Kind, int Weight)[] Weights =
    [
        (FaultKind.Cut, 14), (FaultKind.Reset, 14), (FaultKind.Freeze, 12), (FaultKind.Slow, 10), (FaultKind.Refuse, 6),
        (FaultKind.ServerRestart, 8), (FaultKind.ServerClose, 14), (FaultKind.Handshake503, 8), (FaultKind.Handshake401, 6),
    ];

    private static readonly int[] CloseCodes = [1001, 1011, 1012];

    /// <summary>
    /// Every kind of fault once, in a random order, then random faults (by weight) until their planned time reaches
    /// <paramref name="span"/>.
    /// </summary>
    public static IReadOnlyList<FaultStep> Create(int seed, TimeSpan span)
    {
        var random = new Random(seed);
        var everyKind = Enum.GetValues<FaultKind>();
        random.Shuffle(everyKind);
        var steps = new List<FaultStep>();
        var planned = TimeSpan.Zero;
        // Bounded: every step plans at least 100 ms.
        while (steps.Count < everyKind.Length || planned < span)
        {
            var step = Next(random, steps.Count < everyKind.Length ? everyKind[steps.Count] : Pick(random));
            steps.Add(step);
            planned += step.Planned;
        }

        return steps;
    }

    private static FaultStep Next(Random random, FaultKind kind)
    {
        var quiet = Milliseconds(random, 100, 600);
        return kind switch
        {
            // Up to 3.5 s: past the 2 s heartbeat timeout (a dead link) and the 1.5 s ack timeout (resends).
            FaultKind.Freeze => new(kind, Milliseconds(random, 100, 3500), 0, 0, 0, 0, quiet),
            FaultKind.Slow => random.Next(2) == 0
                ? new(kind, Milliseconds(random, 500, 3000), 0, 0, 0, random.Next(2, 40), quiet)
                : new(kind, Milliseconds(random, 500, 3000), 0, 0, 1, random.Next(20_000, 200_000), quiet),
            FaultKind.Refuse => new(kind, Milliseconds(random, 200, 2000), 0, 0, random.Next(2), 0, quiet),
            // Up to 2.5 s down: longer than the ack timeout, so unacknowledged messages time out while disconnected.
            FaultKind.ServerRestart => new(kind, Milliseconds(random, 0, 2500), 0, 0, 0, 0, quiet),
            FaultKind.ServerClose => new(kind, TimeSpan.Zero, random.Next(1, 3), CloseCodes[random.Next(CloseCodes.Length)], 0, 0, quiet),
            FaultKind.Handshake503 => new(kind, TimeSpan.Zero, random.Next(1, 4), 503, 0, 0, quiet),
            FaultKind.Handshake401 => new(kind, TimeSpan.Zero, 1, 401, 0, 0, quiet),
            _ => new(kind, TimeSpan.Zero, 0, 0, 0, 0, quiet),
        };
    }

    private static FaultKind Pick(Random random)
    {
        var total = Weights.Sum(w => w.Weight);
        var roll = random.Next(total);
        foreach (var (kind, weight) in Weights)
        {
            if (roll < weight)
            {
                return kind;
            }

            roll -= weight;
        }

        throw new InvalidOperationException("unreachable");
    }

    private static TimeSpan Milliseconds(Random random, int min, int max) => TimeSpan.FromMilliseconds(random.Next(min, max + 1));
}
