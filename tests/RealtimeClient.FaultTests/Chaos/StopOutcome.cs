using System.Diagnostics;

namespace RealtimeClient.FaultTests.Chaos;

/// <summary>How a StopAsync or DisposeAsync call ended: it threw (the exception type), hung past the bound, or returned.</summary>
/// <param name="Call">Which call (the one that went wrong, when one did).</param>
/// <param name="Threw">The type of the exception it ended with, if it did.</param>
/// <param name="Hung">Whether it had not returned within the bound.</param>
/// <param name="Took">How long it took (or how long it was waited for).</param>
public sealed record StopOutcome(string Call, string? Threw, bool Hung, TimeSpan Took)
{
    public bool Clean => Threw is null && !Hung;

    /// <summary>Runs <paramref name="run"/> and waits for it at most <paramref name="bound"/>.</summary>
    public static async Task<StopOutcome> MeasureAsync(string call, Func<Task> run, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        Task task;
        try
        {
            task = run();
        }
        catch (Exception ex)
        {
            return new StopOutcome(call, ex.GetType().Name, false, clock.Elapsed); // threw before returning a task
        }

        if (await Task.WhenAny(task, Task.Delay(bound)) != task)
        {
            return new StopOutcome(call, null, true, clock.Elapsed);
        }

        // A task that ended with an OperationCanceledException is Canceled rather than Faulted: it threw all the same.
        var threw = task.IsFaulted ? task.Exception!.InnerException!.GetType().Name : task.IsCanceled ? nameof(OperationCanceledException) : null;
        return new StopOutcome(call, threw, false, clock.Elapsed);
    }

    /// <summary>Two calls one after the other: the first that went wrong, else both, with their total time.</summary>
    public static StopOutcome InSequence(StopOutcome first, StopOutcome second) =>
        !first.Clean ? first : !second.Clean ? second : new StopOutcome($"{first.Call} then {second.Call}", null, false, first.Took + second.Took);

    /// <summary>Two calls at once: the first that went wrong, else both, with the longer time.</summary>
    public static StopOutcome Together(StopOutcome one, StopOutcome other) =>
        !one.Clean ? one : !other.Clean ? other : new StopOutcome($"{one.Call} and {other.Call}", null, false, one.Took > other.Took ? one.Took : other.Took);

    public override string ToString() =>
        Hung ? $"{Call} hung (> {Took.TotalSeconds:0.#} s)" : Threw is { } type ? $"{Call} threw {type}" : $"returned in {Took.TotalMilliseconds:0} ms";
}
