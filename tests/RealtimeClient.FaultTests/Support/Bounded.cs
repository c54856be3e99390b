namespace RealtimeClient.FaultTests.Support;

/// <summary>The bound on every wait in the self-tests: long enough for a loaded 2-core machine, short enough to fail a hang.</summary>
internal static class Bounded
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    /// <summary>A token that fires after <see cref="Wait"/>.</summary>
    public static CancellationToken Token() => new CancellationTokenSource(Wait).Token;
}
