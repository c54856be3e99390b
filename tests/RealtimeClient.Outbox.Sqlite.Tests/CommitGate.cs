using RealtimeClient.Outbox.Sqlite.Internal;

namespace RealtimeClient.Outbox.Sqlite.Tests;

/// <summary>
/// Holds the store's writer loop at one point of one transaction (a hook), so a test can queue writes behind it and
/// know exactly what the next transaction will take. <see cref="Entered"/> completes when the loop is held.
/// </summary>
internal sealed class CommitGate : IDisposable
{
    private readonly ManualResetEventSlim _release = new();
    private TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed = 1;

    public Task Entered => Volatile.Read(ref _entered).Task.WaitAsync(Entries.Bound);

    /// <summary>The hook: the first call holds the loop until <see cref="Release"/>; later calls pass.</summary>
    public void Hold(IReadOnlyList<PendingWrite> writes)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            Volatile.Read(ref _entered).SetResult();
            _release.Wait(Entries.Bound);
        }
    }

    /// <summary>Holds the next transaction that reaches the hook.</summary>
    public void Rearm()
    {
        _release.Reset();
        Volatile.Write(ref _entered, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Volatile.Write(ref _armed, 1);
    }

    public void Release() => _release.Set();

    public void Dispose()
    {
        _release.Set();
        _release.Dispose();
    }
}
