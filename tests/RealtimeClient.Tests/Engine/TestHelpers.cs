using System.Collections.Concurrent;
using RealtimeClient.Tests.Infrastructure;

namespace RealtimeClient.Tests.Engine;

/// <summary>Records every value of an observable and lets a test await the first that matches.</summary>
internal sealed class Recorder<T> : IObserver<T>, IDisposable
{
    private readonly object _gate = new();
    private readonly List<T> _values = [];
    private readonly List<(Func<T, bool> Predicate, TaskCompletionSource<T> Completion)> _waiters = [];
    private readonly IDisposable _subscription;

    public Recorder(IObservable<T> source) => _subscription = source.Subscribe(this);

    public bool Completed { get; private set; }

    public IReadOnlyList<T> Values
    {
        get
        {
            lock (_gate)
            {
                return [.. _values];
            }
        }
    }

    /// <summary>The first value (already seen or still to come) that matches.</summary>
    public Task<T> FirstAsync(Func<T, bool> predicate)
    {
        lock (_gate)
        {
            foreach (var value in _values)
            {
                if (predicate(value))
                {
                    return Task.FromResult(value);
                }
            }

            var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((predicate, tcs));
            return tcs.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>The first value after the ones seen so far that matches.</summary>
    public Task<T> NextAsync(Func<T, bool> predicate)
    {
        lock (_gate)
        {
            var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((predicate, tcs));
            return tcs.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public void OnNext(T value)
    {
        lock (_gate)
        {
            _values.Add(value);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Predicate(value))
                {
                    _waiters[i].Completion.TrySetResult(value);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public void OnError(Exception error) => throw new InvalidOperationException("OnError must never be called", error);

    public void OnCompleted() => Completed = true;

    public void Dispose() => _subscription.Dispose();
}

/// <summary>A connection wired to an in-memory server and a manual clock, disposed together.</summary>
internal sealed class Harness : IAsyncDisposable
{
    public Harness(Func<RealtimeOptions, RealtimeOptions>? configure = null)
    {
        Server = new InMemoryWebSocketServer();
        Time = new ManualTimeProvider();
        var options = new RealtimeOptions { Uri = new Uri("ws://test.invalid/ws"), Connector = Server };
        Options = configure?.Invoke(options) ?? options;
        Connection = new RealtimeConnection(Options, timeProvider: Time);
        States = new Recorder<StateChange>(Connection.StateChanges);
        Errors = new Recorder<RealtimeError>(Connection.Errors);
    }

    public InMemoryWebSocketServer Server { get; }

    public ManualTimeProvider Time { get; }

    public RealtimeOptions Options { get; }

    public RealtimeConnection Connection { get; }

    public Recorder<StateChange> States { get; }

    public Recorder<RealtimeError> Errors { get; }

    public Task<StateChange> NextState(ConnectionState state) => States.NextAsync(s => s.Current == state);

    public static readonly TimeSpan Safety = TimeSpan.FromSeconds(10);

    public async Task<FakeServerConnection> StartAndAcceptAsync()
    {
        var connected = States.NextAsync(s => s.Current == ConnectionState.Connected);
        Connection.Start();
        var server = await Server.AcceptAsync().WaitAsync(Safety);
        await connected;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        States.Dispose();
        Errors.Dispose();
        await Server.DisposeAsync();
    }
}
