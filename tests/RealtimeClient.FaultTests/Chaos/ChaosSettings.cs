using System.Globalization;

namespace RealtimeClient.FaultTests.Chaos;

/// <summary>
/// The size and seed of a chaos run, from environment variables so that a failure can be replayed and the run resized
/// without a rebuild: <c>FAULTS_SEED</c> (default: a random seed, printed), <c>FAULTS_MESSAGES</c> (acknowledged and
/// at-most-once messages each), <c>FAULTS_SECONDS</c> (how long faults are injected while messages flow),
/// <c>FAULTS_RACES</c> (stop/dispose races).
/// </summary>
public sealed record ChaosSettings(int Seed, int Messages, TimeSpan FaultPhase, int Races)
{
    /// <summary>The defaults fit the whole suite in about two minutes on a shared 2-core machine.</summary>
    public static ChaosSettings FromEnvironment() => new(
        Read("FAULTS_SEED") ?? Random.Shared.Next(1, int.MaxValue),
        Read("FAULTS_MESSAGES") ?? 10_000,
        TimeSpan.FromSeconds(Read("FAULTS_SECONDS") ?? 60),
        Read("FAULTS_RACES") ?? 200);

    /// <summary>The client timings of the delivery run: short, so that one minute holds many outages of every kind.</summary>
    public static ChaosClientTimings DeliveryTimings { get; } = new(
        HeartbeatInterval: TimeSpan.FromMilliseconds(500),
        HeartbeatTimeout: TimeSpan.FromSeconds(2),
        InitialDelay: TimeSpan.FromMilliseconds(100),
        MaxDelay: TimeSpan.FromSeconds(1),
        MinimumUptime: TimeSpan.FromSeconds(3),
        ConnectTimeout: TimeSpan.FromSeconds(3),
        AckTimeout: TimeSpan.FromSeconds(1.5),
        CloseTimeout: TimeSpan.FromSeconds(1));

    /// <summary>The client timings of the stop/dispose races.</summary>
    public static ChaosClientTimings RaceTimings { get; } = DeliveryTimings with { CloseTimeout = TimeSpan.FromMilliseconds(500) };

    /// <summary>The command that replays this run.</summary>
    public string ReplayCommand =>
        $"FAULTS_SEED={Seed} FAULTS_MESSAGES={Messages} FAULTS_SECONDS={FaultPhase.TotalSeconds:0} FAULTS_RACES={Races} " +
        "dotnet test tests/RealtimeClient.FaultTests -c Release --filter FullyQualifiedName~Chaos";

    private static int? Read(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? int.Parse(value, CultureInfo.InvariantCulture) : null;
}
