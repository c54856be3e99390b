namespace RealtimeClient.Tests.TestKit;

// Shared with RealtimeClient.IntegrationTests (linked in its project file).
/// <summary>The one timeout of the test suites: a guard against hangs only. Tests await signals, never time.</summary>
internal static class Wait
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Awaits <paramref name="task"/>, failing after <see cref="Timeout"/> (a hang is a failure, not a wait).</summary>
    public static Task Safe(this Task task) => task.WaitAsync(Timeout);

    /// <inheritdoc cref="Safe(Task)"/>
    public static Task<T> Safe<T>(this Task<T> task) => task.WaitAsync(Timeout);

    /// <inheritdoc cref="Safe(Task)"/>
    public static Task Safe(this ValueTask task) => task.AsTask().WaitAsync(Timeout);
}
