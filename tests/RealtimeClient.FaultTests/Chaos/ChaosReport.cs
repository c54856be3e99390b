using System.Diagnostics;
using System.Globalization;
using System.Text;
using RealtimeClient.FaultTests.Server;

namespace RealtimeClient.FaultTests.Chaos;

/// <summary>Everything a chaos run measured, the one figure line it prints, and the details behind a failure.</summary>
public sealed record ChaosReport(ChaosSettings Settings, DeliveryResult Delivery, IReadOnlyList<RaceOutcome> Races, TimeSpan WallTime)
{
    /// <summary>Runs the delivery run, then the stop/dispose races.</summary>
    public static async Task<ChaosReport> RunAsync(ChaosSettings settings)
    {
        var clock = Stopwatch.StartNew();
        var delivery = await DeliveryRun.RunAsync(settings);
        IReadOnlyList<RaceOutcome> races;
        await using (var raceServer = await FaultServer.StartAsync())
        {
            races = await StopDisposeRaces.RunAsync(settings.Seed, settings.Races, raceServer);
        }

        return new ChaosReport(settings, delivery, races, clock.Elapsed);
    }

    /// <summary>Stop/dispose calls that threw: in the races, plus the delivery run's own final stop.</summary>
    public int Threw => Races.Count(r => r.Ending.Threw is not null) + (Delivery.FinalStop.Threw is null ? 0 : 1);

    /// <summary>Stop/dispose calls that did not return within the bound: in the races, plus the delivery run's own final stop.</summary>
    public int Hung => Races.Count(r => r.Ending.Hung) + (Delivery.FinalStop.Hung ? 1 : 0);

    public int RaceSendsNeverCompleted => Races.Sum(r => r.SendsNeverCompleted);

    public int SendsNeverCompleted => Delivery.Figures.NeverCompleted + RaceSendsNeverCompleted;

    /// <summary>The figure line.</summary>
    public string Line
    {
        get
        {
            var d = Delivery.Figures;
            var ackFailed = d.AckFailed == 0 ? "" : $", {d.AckFailed} failed: {Join(d.AckFailures)}";
            var amoFailed = d.AtMostOnceFailures.Count == 0 ? "" : $", {d.AtMostOnceFailures.Values.Sum()} failed: {Join(d.AtMostOnceFailures)}";
            return string.Create(CultureInfo.InvariantCulture,
                $"faults: {Delivery.Faults.Injected} injected; " +
                $"acknowledged: {d.Sent} sent / {d.AckLost} lost / {d.AckDuplicated} duplicated / {d.AckOutOfOrder} out of order ({d.AckResent} resends{ackFailed}); " +
                $"at-most-once: {d.Sent} sent / {d.AtMostOnceLost} lost (expected, documented) / {d.AtMostOnceDuplicated} duplicated{amoFailed}; " +
                $"sends never completed: {SendsNeverCompleted}; " +
                $"stop/dispose races: {Races.Count + 1} run, {Threw} threw, {Hung} hung; " +
                $"seed {Settings.Seed}; wall time {WallTime.TotalSeconds:0.0} s");
        }
    }

    /// <summary>The line and what lies behind it: the faults by kind, examples, and the races that went wrong.</summary>
    public string Details
    {
        get
        {
            var text = new StringBuilder();
            text.AppendLine(Line);
            text.AppendLine($"replay: {Settings.ReplayCommand}");
            text.AppendLine(CultureInfo.InvariantCulture, $"delivery run: {Delivery.Took.TotalSeconds:0.0} s, {Delivery.Connects} connects, faults by kind: {Delivery.Faults}; reconnects that stalled past 15 s: {Delivery.Faults.StalledReconnects}; closed for good: {Delivery.ClosedFor ?? "no"}; final stop: {Delivery.FinalStop}; sends never completed: {Delivery.Figures.NeverCompleted}");
            foreach (var example in Delivery.Figures.Examples)
            {
                text.AppendLine("  " + example);
            }

            var slowest = Races.Where(r => !r.Ending.Hung).Select(r => r.Ending.Took).DefaultIfEmpty().Max();
            text.AppendLine(CultureInfo.InvariantCulture, $"races: {Races.Count}, {Races.Count(r => r.ConnectedAtStop)} connected when stopped (hang bound {StopDisposeRaces.HangBound.TotalSeconds:0} s; slowest that returned {slowest.TotalMilliseconds:0} ms); sends never completed in races: {RaceSendsNeverCompleted}");
            foreach (var group in Races.Where(r => !r.Ending.Clean || r.SendsNeverCompleted > 0).GroupBy(Trouble).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {group.Count()} races: {group.Key}; e.g. {string.Join(" | ", group.Take(2))}");
            }

            if (ChaosDump.Verbose)
            {
                foreach (var race in Races)
                {
                    text.AppendLine("  " + race);
                }
            }

            if (ChaosDump.Path is { } path)
            {
                text.AppendLine($"server record written to {path}");
            }

            return text.ToString();
        }
    }

    /// <summary>What went wrong in a race, in words that point at a cause.</summary>
    private static string Trouble(RaceOutcome race) =>
        race.Ending.Hung ? $"{race.Ending.Call} hung ({race.Plan.End})"
        : race.Ending.Threw is { } type ? $"{race.Ending.Call} threw {type} ({race.Plan.End})" + (race.SendsNeverCompleted > 0 ? ", and sends never completed" : "")
        : race.Plan.Started ? "sends never completed after the stop/dispose returned"
        : "sends made before Start never completed after the stop/dispose";

    private static string Join(IReadOnlyDictionary<string, int> counts) => string.Join(", ", counts.Select(p => $"{p.Value} {p.Key}"));
}
