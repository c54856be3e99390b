using System.Reactive;
using RealtimeClient.FaultTests.Support;

namespace RealtimeClient.FaultTests.Chaos;

/// <summary>What became of one send, as the application saw it.</summary>
/// <param name="Delivered">The send completed successfully (written for at-most-once, acknowledged for acknowledged).</param>
/// <param name="Failure">Why it failed (the library's reason, or the exception type), when it did.</param>
public readonly record struct SendResult(bool Delivered, string? Failure);

/// <summary>The client settings of a chaos run, in plain values (so nothing outside this file names a library type).</summary>
public sealed record ChaosClientTimings(
    TimeSpan HeartbeatInterval,
    TimeSpan HeartbeatTimeout,
    TimeSpan InitialDelay,
    TimeSpan MaxDelay,
    TimeSpan MinimumUptime,
    TimeSpan ConnectTimeout,
    TimeSpan AckTimeout,
    TimeSpan CloseTimeout);

/// <summary>
/// THE ADAPTER: the only file of the chaos suite that calls the RealtimeClient library, so that porting the suite to a
/// reshaped API means changing this file alone. It uses: <c>new RealtimeConnection(RealtimeOptions)</c>, <c>Start</c>,
/// <c>SendTextAsync(string, SendOptions.Acknowledged)</c>, <c>SendTextAsync(string)</c> (at-most-once), <c>StopAsync(ct)</c>,
/// <c>DisposeAsync</c>, <c>StateChanges</c>, <c>Messages</c>, <c>MessageDeliveryException.Reason</c>.
/// </summary>
public sealed class ChaosClient : IAsyncDisposable
{
    private const string Heartbeat = """{"type":"heartbeat"}""";

    private readonly RealtimeConnection _connection;
    private readonly IDisposable _states;
    private readonly IDisposable _messages;
    private readonly AsyncCounter _connects = new();
    private int _inbound;
    private string? _closedFor;

    /// <summary>Creates the client; nothing happens on the network until <see cref="Start"/>.</summary>
    /// <param name="uri">The server address (through the proxy).</param>
    /// <param name="nextToken">Called for every connection attempt: hands out a fresh token each time.</param>
    /// <param name="timings">Heartbeat, reconnect, acknowledgement and close timings.</param>
    public ChaosClient(Uri uri, Func<string> nextToken, ChaosClientTimings timings)
    {
        _connection = new RealtimeConnection(new RealtimeOptions
        {
            Uri = uri,
            Authentication = new AuthenticationOptions { TokenProvider = (_, _) => ValueTask.FromResult<string?>(nextToken()) },
            Heartbeat = new HeartbeatOptions { Interval = timings.HeartbeatInterval, Timeout = timings.HeartbeatTimeout, Message = Heartbeat },
            Reconnect = new ReconnectOptions
            {
                InitialDelay = timings.InitialDelay,
                MaxDelay = timings.MaxDelay,
                MinimumUptime = timings.MinimumUptime,
                ConnectTimeout = timings.ConnectTimeout,
                RetryWhenNetworkReturns = false,
            },
            Acknowledgements = new AcknowledgementOptions { AckTimeout = timings.AckTimeout },
            CloseTimeout = timings.CloseTimeout,
        });
        _states = _connection.StateChanges.Subscribe(Observer.Create<StateChange>(OnStateChange));
        _messages = _connection.Messages.Subscribe(Observer.Create<InboundMessage>(_ => Interlocked.Increment(ref _inbound)));
    }

    /// <summary>How many times the client has become connected.</summary>
    public int Connects => _connects.Value;

    /// <summary>Inbound messages delivered to the app (heartbeat pongs, here; acks are consumed by the library).</summary>
    public int InboundMessages => Volatile.Read(ref _inbound);

    /// <summary>The close reason, if the connection closed for good on its own (not stopped or disposed by the app).</summary>
    public string? ClosedFor => Volatile.Read(ref _closedFor);

    /// <summary>Starts connecting in the background.</summary>
    public void Start() => _connection.Start();

    /// <summary>Completes once the client has become connected <paramref name="count"/> times in all.</summary>
    public Task WaitForConnectsAsync(int count, CancellationToken cancellationToken) => _connects.WaitForAsync(count, cancellationToken);

    /// <summary>
    /// Sends an acknowledged message (<paramref name="json"/> must be a JSON object: the library adds the id). The call
    /// itself enqueues at once, so the order of calls is the order of the messages; the task is the outcome.
    /// </summary>
    public Task<SendResult> SendAcknowledgedAsync(string json) => Observe(() => _connection.SendTextAsync(json, SendOptions.Acknowledged));

    /// <summary>Sends an at-most-once message (the default mode). The task completes when it is written, or failed.</summary>
    public Task<SendResult> SendAtMostOnceAsync(string json) => Observe(() => _connection.SendTextAsync(json));

    /// <summary>The library's StopAsync: close handshake bounded by the close timeout, pending sends fail.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _connection.StopAsync(cancellationToken);

    /// <summary>The library's DisposeAsync; the subscriptions are released afterwards.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _states.Dispose();
            _messages.Dispose();
        }
    }

    private static Task<SendResult> Observe(Func<ValueTask> send)
    {
        ValueTask pending;
        try
        {
            pending = send();
        }
        catch (ObjectDisposedException)
        {
            return Task.FromResult(new SendResult(false, nameof(ObjectDisposedException))); // sent after dispose
        }

        return AwaitAsync(pending);
    }

    private static async Task<SendResult> AwaitAsync(ValueTask send)
    {
        try
        {
            await send.ConfigureAwait(false);
            return new SendResult(true, null);
        }
        catch (MessageDeliveryException ex)
        {
            return new SendResult(false, ex.Reason.ToString());
        }
        catch (ObjectDisposedException)
        {
            return new SendResult(false, nameof(ObjectDisposedException));
        }

        // Any other exception faults the task: the run counts it by type, nothing is hidden.
    }

    private void OnStateChange(StateChange change)
    {
        if (change.Current == ConnectionState.Connected)
        {
            _connects.Increment();
        }
        else if (change.Current == ConnectionState.Closed && change.CloseReason is { } reason
            && reason is not CloseReason.Stopped and not CloseReason.Disposed)
        {
            Volatile.Write(ref _closedFor, $"{reason} ({change.Disconnect})");
        }
    }
}
