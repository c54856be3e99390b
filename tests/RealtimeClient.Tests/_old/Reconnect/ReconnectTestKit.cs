using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RealtimeClient.Tests.Engine;
using RealtimeClient.Tests.Infrastructure;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>Reads state changes in order, one after the other, so a test can walk through a sequence of transitions.</summary>
internal sealed class StateLog : IObserver<StateChange>, IDisposable
{
    private readonly Channel<StateChange> _unread = Channel.CreateUnbounded<StateChange>();
    private readonly List<StateChange> _all = [];
    private readonly object _gate = new();
    private readonly IDisposable _subscription;

    public StateLog(IObservable<StateChange> source) => _subscription = source.Subscribe(this);

    public IReadOnlyList<StateChange> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>The next change not read yet, whatever it is.</summary>
    public async Task<StateChange> NextAsync() => await _unread.Reader.ReadAsync().AsTask().WaitAsync(Harness.Safety);

    /// <summary>Skips changes until one matches <paramref name="predicate"/>; returns it.</summary>
    public async Task<StateChange> SkipToAsync(Func<StateChange, bool> predicate)
    {
        while (true)
        {
            var change = await NextAsync();
            if (predicate(change))
            {
                return change;
            }
        }
    }

    public Task<StateChange> SkipToAsync(ConnectionState state) => SkipToAsync(s => s.Current == state);

    public void OnNext(StateChange value)
    {
        lock (_gate)
        {
            _all.Add(value);
        }

        _unread.Writer.TryWrite(value);
    }

    public void OnError(Exception error) => throw new InvalidOperationException("OnError must never be called", error);

    public void OnCompleted() => _unread.Writer.TryComplete();

    public void Dispose() => _subscription.Dispose();
}

internal static class ReconnectTestKit
{
    public static readonly Uri TestUri = new("ws://test.invalid/ws");

    /// <summary>
    /// Waits until the backoff timer of <paramref name="reconnecting"/> exists (its remaining due time is exactly the
    /// announced delay), then advances the clock by exactly that delay.
    /// </summary>
    public static async Task AdvanceByRetryDelayAsync(ManualTimeProvider time, StateChange reconnecting)
    {
        Assert.Equal(ConnectionState.Reconnecting, reconnecting.Current);
        var delay = reconnecting.RetryDelay ?? throw new InvalidOperationException($"No retry delay on {reconnecting}.");
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await time.WaitForTimerAsync(t => t == delay).WaitAsync(Harness.Safety);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"No timer due in {delay} after {reconnecting}; pending: {string.Join(", ", time.PendingDueTimes())}", ex);
            }

            time.Advance(delay);
        }
    }

    /// <summary>The documented ceiling for the retry after <paramref name="failedAttempts"/> failed attempts.</summary>
    public static TimeSpan Ceiling(TimeSpan initial, TimeSpan max, int failedAttempts)
    {
        var ticks = initial.Ticks * Math.Pow(2, failedAttempts - 1);
        return TimeSpan.FromTicks((long)Math.Min(ticks, max.Ticks));
    }

    public static void AssertWithin(TimeSpan actual, TimeSpan low, TimeSpan high, string what) =>
        Assert.True(actual >= low && actual <= high, $"{what}: {actual} is not within [{low}, {high}].");

    /// <summary>Options wired to <paramref name="server"/>, with the given reconnect and heartbeat settings.</summary>
    public static RealtimeOptions Options(RealtimeOptions baseOptions, ReconnectOptions? reconnect = null, HeartbeatOptions? heartbeat = null,
        Func<ConnectedContext, CancellationToken, ValueTask>? onConnected = null, IReadOnlySet<string>? fatalTypes = null,
        AuthenticationOptions? authentication = null, IReadOnlyList<Uri>? uris = null) => new()
    {
        Uri = baseOptions.Uri,
        Uris = uris ?? [],
        Connector = baseOptions.Connector,
        Reconnect = reconnect ?? new ReconnectOptions(),
        Heartbeat = heartbeat ?? new HeartbeatOptions(),
        OnConnected = onConnected,
        FatalMessageTypes = fatalTypes ?? new HashSet<string>(),
        Authentication = authentication ?? new AuthenticationOptions(),
    };
}

/// <summary>A logger factory that keeps every log line: formatted message, structured values, scopes and exceptions.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
        }
    }

    private sealed class CapturingLogger(CapturingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            owner.Add("scope: " + Describe(state));
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner.Add($"{logLevel} {eventId}: {formatter(state, exception)} | {Describe(state)} | {exception}");
        }

        private static string Describe(object? state)
        {
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                return string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"));
            }

            return state?.ToString() ?? string.Empty;
        }
    }
}
