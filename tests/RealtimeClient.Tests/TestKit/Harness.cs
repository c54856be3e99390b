using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.TestKit;

/// <summary>
/// A connection wired to an in-memory server and a virtual clock, with its state changes and errors recorded; disposed
/// together. Options start from <see cref="Defaults"/> and are adjusted with <c>with</c>.
/// </summary>
internal sealed class Harness : IAsyncDisposable
{
    public Harness(Func<RealtimeOptions, RealtimeOptions>? configure = null, ILoggerFactory? logging = null, IMeterFactory? meters = null)
    {
        Server = new InMemoryWebSocketServer();
        Clock = new VirtualClock();
        var options = Defaults(Server);
        Options = configure?.Invoke(options) ?? options;
        Connection = new RealtimeConnection(Options, logging, Clock, meters);
        States = new Recorder<StateChange>(Connection.StateChanges);
        Errors = new Recorder<RealtimeError>(Connection.Errors);
    }

    public static Uri TestUri { get; } = new("ws://test.invalid/ws");

    public InMemoryWebSocketServer Server { get; }

    public VirtualClock Clock { get; }

    public RealtimeOptions Options { get; }

    public RealtimeConnection Connection { get; }

    public Recorder<StateChange> States { get; }

    public Recorder<RealtimeError> Errors { get; }

    /// <summary>The options every unit test starts from: the in-memory server, and no real network events.</summary>
    public static RealtimeOptions Defaults(IWebSocketConnector connector) => new()
    {
        Uri = TestUri,
        Connector = connector,
        Reconnect = new ReconnectOptions { RetryWhenNetworkReturns = false },
    };

    public Task<StateChange> NextState(ConnectionState state) => States.NextAsync(s => s.Current == state);

    /// <summary>Starts the connection and returns the server side of its socket once it is connected.</summary>
    public async Task<FakeServerConnection> StartAndAcceptAsync()
    {
        var connected = NextState(ConnectionState.Connected);
        Connection.Start();
        var server = await Server.AcceptAsync().Safe();
        await connected;
        return server;
    }

    /// <summary>
    /// Waits for the next Reconnecting state, advances the clock by exactly its delay, and returns the server side of the
    /// next socket once connected. Both states are read from the recorded sequence, never awaited as "the next one": with no
    /// delay (the backoff's jitter can be 0 ms) the engine reconnects without the clock moving, possibly before this looks.
    /// </summary>
    public async Task<FakeServerConnection> ReconnectAsync()
    {
        StateChange reconnecting;
        try
        {
            reconnecting = await States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"No Reconnecting state; states: {string.Join(" | ", States.Values)}; errors: {string.Join(" | ", Errors.Values)}", ex);
        }

        await AdvanceByRetryDelayAsync(reconnecting);
        var server = await Server.AcceptAsync().Safe();
        await States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        return server;
    }

    /// <summary>Waits until the backoff timer of <paramref name="reconnecting"/> exists, then advances the clock by exactly its delay.</summary>
    public async Task AdvanceByRetryDelayAsync(StateChange reconnecting)
    {
        var delay = reconnecting.RetryDelay ?? throw new InvalidOperationException($"No retry delay on {reconnecting}.");
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Clock.WaitForTimerAsync(t => t == delay).Safe();
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"No timer due in {delay} after {reconnecting}; pending: {string.Join(", ", Clock.PendingDueTimes())}", ex);
            }

            Clock.Advance(delay);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync().Safe();
        States.Dispose();
        Errors.Dispose();
        await Server.DisposeAsync();
    }
}
