using RealtimeClient;

namespace LoopbackHarness.Clients;

/// <summary>
/// The library side: one <see cref="RealtimeConnection"/> used through its public API only. Connect = <c>StartAsync</c>;
/// send = <c>SendAsync(string)</c> awaited (completes once the message is written); text = <c>Messages</c>; ticks =
/// <c>On("tick", HarnessJsonContext.Default.Tick)</c>; reconnect waits = <c>StateChanges</c>.
/// </summary>
/// <remarks>
/// Reconnect uses a fixed delay without jitter: <see cref="ReconnectOptions.DelayGenerator"/> returns the configured
/// delay for every retry, <see cref="ReconnectOptions.InitialDelay"/> and <see cref="ReconnectOptions.MaxDelay"/> are the
/// same delay, and <see cref="ReconnectOptions.MinimumUptime"/> is infinite, so a drop never counts as "stayed up" and
/// never takes the full-jitter path (uniform [0, InitialDelay]) that the library uses by default after a long-lived
/// connection drops. Every retry therefore waits exactly the configured delay, the worst case of the default.
/// Dispatch overflow is <see cref="DispatchOverflow.Wait"/> (lossless, as the bare client), not the default DropOldest.
/// Heartbeat and transport are the defaults (protocol pings every 30 s, like a bare <c>ClientWebSocket</c>'s keep-alive).
/// </remarks>
internal sealed class LibraryClient : IReconnectingClient
{
    private readonly RealtimeConnection _connection;
    private readonly ClientRequest _request;
    private readonly List<IDisposable> _subscriptions = [];
    private int _disposed;

    public LibraryClient(ClientRequest request)
    {
        _request = request;
        var delay = request.ReconnectDelay;
        _connection = new RealtimeConnection(
            new RealtimeOptions
            {
                Uri = request.Uri,
                Reconnect = new ReconnectOptions
                {
                    Policy = new FixedDelay(delay),
                    ConnectTimeout = TimeSpan.FromSeconds(10),
                    RetryWhenNetworkReturns = false,
                },
                Serializer = new RealtimeClient.Serialization.SystemTextJsonSerializer(HarnessJsonContext.Default),
                Heartbeat = new HeartbeatOptions(),

                // Lossless, like the bare client: a full dispatch buffer holds the receive loop back (TCP back-pressure)
                // instead of dropping the oldest message, the library's default for apps that prefer fresh data.
                Dispatch = new DispatchOptions { Overflow = DispatchOverflow.Wait },
                CloseTimeout = TimeSpan.FromSeconds(2),
            },
            null,
            null);

        var sink = request.Sink;
        switch (request.Mode)
        {
            case ReceiveMode.Ticks:
                _subscriptions.Add(_connection.On<Tick>("tick").Subscribe(new TickObserver(sink)));
                break;
            default:
                _subscriptions.Add(_connection.Messages.Subscribe(new TextObserver(sink)));
                break;
        }

        _subscriptions.Add(_connection.StateChanges.Subscribe(new FaultObserver(this, sink)));
    }

    public TimeSpan ConfiguredReconnectDelay => _request.ReconnectDelay;

    public Task ConnectAsync(CancellationToken cancellationToken) => _connection.StartAsync(cancellationToken);

    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken) => _connection.SendTextAsync(text, null, cancellationToken);

    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken) => _connection.WaitUntilConnectedAsync(cancellationToken);

    public async Task WaitUntilDisconnectedAsync(CancellationToken cancellationToken)
    {
        var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = _connection.StateChanges.Subscribe(new StateObserver(left));
        await left.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _connection.DisposeAsync();
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }

    private bool IsDisposing => Volatile.Read(ref _disposed) != 0;

    /// <summary>Every retry waits exactly the configured delay: the reconnect row measures the library, not the jitter.</summary>
    private sealed class FixedDelay(TimeSpan delay) : IReconnectPolicy
    {
        public TimeSpan? NextDelay(ReconnectContext context) => delay;
    }

    private sealed class TextObserver(IInboundSink sink) : IObserver<InboundMessage>
    {
        public void OnNext(InboundMessage value) => sink.OnText(value.Text ?? string.Empty);

        public void OnError(Exception error) => sink.OnFault(error);

        public void OnCompleted()
        {
        }
    }

    private sealed class TickObserver(IInboundSink sink) : IObserver<Tick>
    {
        public void OnNext(Tick value) => sink.OnTick(value);

        public void OnError(Exception error) => sink.OnFault(error);

        public void OnCompleted()
        {
        }
    }

    // Closed (for good) while not disposing is a fault; Reconnecting is a loss the library recovers from.
    private sealed class FaultObserver(LibraryClient owner, IInboundSink sink) : IObserver<StateChange>
    {
        public void OnNext(StateChange value)
        {
            if (value.Current == ConnectionState.Closed && !owner.IsDisposing)
            {
                sink.OnFault(new InvalidOperationException($"The connection closed for good: {value}"));
            }
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }

    // Completes on the first state that is not Connected (the stream replays the current state first).
    private sealed class StateObserver(TaskCompletionSource left) : IObserver<StateChange>
    {
        public void OnNext(StateChange value)
        {
            if (value.Current != ConnectionState.Connected)
            {
                left.TrySetResult();
            }
        }

        public void OnError(Exception error) => left.TrySetException(error);

        public void OnCompleted() => left.TrySetException(new ObjectDisposedException(nameof(RealtimeConnection)));
    }
}
