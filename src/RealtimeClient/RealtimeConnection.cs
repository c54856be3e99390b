using System.Diagnostics.Metrics;
using System.Reactive;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RealtimeClient.Connection;
using RealtimeClient.Diagnostics;
using RealtimeClient.Inbound;
using RealtimeClient.Outbound;
using RealtimeClient.Serialization;
using RealtimeClient.Transport;

namespace RealtimeClient;

/// <summary>
/// A WebSocket connection that stays connected: it reconnects with backoff and jitter, detects dead connections, queues
/// outbound messages across disconnections and completes every send with its outcome, and delivers inbound messages to
/// subscribers that outlive every socket.
/// </summary>
/// <remarks>
/// Lifecycle: <see cref="StartAsync"/> (or <see cref="Start"/>), then <see cref="StopAsync"/> and <see cref="DisposeAsync"/>.
/// A stopped (<see cref="ConnectionState.Closed"/>) connection can be started again; a disposed one cannot. All members
/// are thread-safe. This type is the facade: it builds the parts and hands calls down; nothing below it calls back up.
/// </remarks>
public sealed partial class RealtimeConnection : IRealtimeConnection
{
    private readonly RealtimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ErrorReporter _errors;
    private readonly ConnectionTelemetry _telemetry;
    private readonly StateMachine _state;
    private readonly IEnvelopeFormat _format;
    private readonly IPayloadSerializer _serializer;
    private readonly OutboundQueue _queue;
    private readonly OutboundChannel _outbound;
    private readonly PendingRequests _requests;
    private readonly Dispatcher _dispatcher;
    private readonly ConnectionLoop _loop;
    private readonly DurableOutbox? _outbox;
    private readonly string _idPrefix = Guid.NewGuid().ToString("N")[..12] + "-";
    private Task? _disposal;
    private long _nextId;

    /// <summary>Creates a connection; nothing happens on the network until it is started.</summary>
    /// <param name="options">The options; validated here (an invalid option throws one <see cref="ArgumentException"/> naming every bad option and its value).</param>
    /// <param name="loggerFactory">Where log events go (default: <see langword="null"/>, nowhere). Secrets are never logged.</param>
    /// <param name="timeProvider">Every delay, timer and timestamp (default: <see langword="null"/>, <see cref="TimeProvider.System"/>); durations in metrics too.</param>
    /// <param name="meterFactory">
    /// Where the meter <see cref="RealtimeTelemetry.MeterName"/> comes from (default: <see langword="null"/>, one process-wide
    /// meter). Pass the app's (its container's <see cref="IMeterFactory"/>) so its metrics go where the app's go.
    /// </param>
    public RealtimeConnection(RealtimeOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        var logger = (ILogger?)loggerFactory?.CreateLogger<RealtimeConnection>() ?? NullLogger.Instance;
        _telemetry = new ConnectionTelemetry(options.EffectiveUris(), _time, meterFactory, options.Telemetry);
        _errors = new ErrorReporter(logger, _telemetry);
        _state = new StateMachine(logger, _time, _errors);
        _state.Changes.Subscribe(Observer.Create<StateChange>(_telemetry.StateChanged)); // first observer: measured before the app sees a change
        _format = options.EnvelopeFormat ?? JsonEnvelopeFormat.Default;
        _serializer = options.Serializer ?? SystemTextJsonSerializer.Default;
        _queue = new OutboundQueue(options.Queue, options.Acknowledgements, _time, logger, _errors, _telemetry);
        _outbound = new OutboundChannel(_queue, _time, _telemetry);
        _requests = new PendingRequests(_queue);
        _dispatcher = new Dispatcher(options.Dispatch, _format, _serializer, [options.Acknowledgements.AckType], _errors, logger);
        var inbound = new InboundPipeline(options, _format, _serializer, _queue, _requests, _dispatcher, _errors, logger, _telemetry);
        var transport = ResolveTransport(options);
        var connector = options.Connector ?? new ClientWebSocketConnector(transport);
        var settings = new SessionSettings(options.MaxInboundMessageSize, options.ReceiveBufferSize, options.CloseTimeout, options.Heartbeat,
            PongTimeoutConfigured: options.Connector is null && transport.KeepAliveTimeout is not null && transport.KeepAliveInterval > TimeSpan.Zero);
        _outbox = options.Outbox is { } store ? new DurableOutbox(store, _outbound, _time, logger, _errors, _telemetry) : null;
        _loop = new ConnectionLoop(options, _time, logger, _state, _outbound, _queue, inbound, _requests, connector, settings, _format, _serializer, _outbox, _telemetry);
        _telemetry.Observe(TelemetrySnapshot);
    }

    /// <inheritdoc />
    public ConnectionState State => _state.State;

    /// <summary>
    /// Every state change, in order, with the attempt, the retry delay and the cause of each disconnect. A new subscriber
    /// first receives the latest change. Observers are called one change at a time, never inside a lock of the connection,
    /// and may call back into it; one that throws is reported on <see cref="Errors"/> and stays subscribed. Completes when
    /// the connection is disposed.
    /// </summary>
    public IObservable<StateChange> StateChanges => _state.Changes;

    /// <summary>
    /// Problems the connection survived that are not state changes: messages that do not decode, throwing subscribers,
    /// dispatch overflow, messages dropped by the queue's overflow policy, refusals nobody waited for. Never calls
    /// <c>OnError</c>. Completes when the connection is disposed.
    /// </summary>
    public IObservable<RealtimeError> Errors => _errors.Stream;

    /// <inheritdoc />
    public int PendingCount => _queue.PendingCount;

    /// <inheritdoc />
    public long PendingBytes => _queue.PendingBytes;

    /// <inheritdoc />
    public int UnacknowledgedCount => _queue.InFlightCount;

    /// <inheritdoc />
    public string? SubProtocol => _loop.SubProtocol;

    /// <summary>
    /// The outcomes of durable messages held from before this start (left by an earlier run of the app, or by a stop), which
    /// go out first after each start: an app can show "delivered after restart" or handle a failure. Empty without
    /// <see cref="RealtimeOptions.Outbox"/>. Completes when the connection is disposed.
    /// </summary>
    public IObservable<Outbox.DeliveryReport> RecoveredDeliveries => _outbox?.Recovered ?? System.Reactive.Linq.Observable.Empty<Outbox.DeliveryReport>();

    private bool IsDisposed => Volatile.Read(ref _disposal) is not null;

    /// <summary>Starts connecting in the background and returns at once; sends meanwhile are queued. Does nothing if already started.</summary>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    /// <exception cref="InvalidOperationException">A stop is still under way: await <see cref="StopAsync"/> first.</exception>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _loop.Start();
    }

    /// <summary>
    /// Starts the connection and waits until it is connected (with retries, as configured). Cancelling
    /// <paramref name="cancellationToken"/> abandons the start: the connection is stopped and the call throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="cancellationToken">Abandons the start.</param>
    /// <returns>Completes when connected.</returns>
    /// <exception cref="ConnectionClosedException">The connection closed for good before connecting (attempts exhausted, authentication failed, ...).</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Start();
        try
        {
            await WaitUntilConnectedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until the connection is <see cref="ConnectionState.Connected"/>.</summary>
    /// <param name="cancellationToken">Stops waiting (the connection carries on).</param>
    /// <returns>Completes when connected.</returns>
    /// <exception cref="ConnectionClosedException">The connection is or became closed for good, or was never started.</exception>
    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken = default) => WaitForStateAsync(skipCurrentConnected: false, cancellationToken);

    /// <summary>
    /// Forces a new connection and waits for it: a connected socket is closed (1000, "reconnecting") and replaced without
    /// backoff; a backoff wait is cut short.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the reconnect carries on).</param>
    /// <returns>Completes when connected again.</returns>
    /// <exception cref="ConnectionClosedException">The connection is not started, or closed for good before connecting again.</exception>
    public async Task ReconnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var connected = WaitForStateAsync(skipCurrentConnected: true, cancellationToken);
        await _loop.RequestReconnect().ConfigureAwait(false);
        await connected.ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the connection: new sends fail at once and queued ones fail with <see cref="DeliveryFailureReason.ConnectionClosed"/>;
    /// a write under way gets up to <see cref="RealtimeOptions.CloseTimeout"/> to finish; the socket is closed with 1000,
    /// waiting up to <see cref="RealtimeOptions.CloseTimeout"/> for the server's answer, then aborted; acknowledgements that
    /// arrive meanwhile still complete their sends, and what is unacknowledged then fails too. The state becomes
    /// <see cref="ConnectionState.Closed"/> with <see cref="CloseReason.Stopped"/>. Does nothing if not started. To let the
    /// queue drain first, await <see cref="DrainAsync"/> before.
    /// </summary>
    /// <param name="cancellationToken">Cuts the close handshake short (the socket is aborted at once).</param>
    /// <returns>Completes when stopped.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default) => _loop.StopAsync(CloseReason.Stopped, cancellationToken);

    /// <summary>
    /// Disposes the connection promptly in every state: a start or connect under way is cancelled; a stop under way has
    /// its close handshake cut short; a write under way is aborted at once; a close frame is sent when the socket is free,
    /// bounded by the shorter of <see cref="RealtimeOptions.CloseTimeout"/> and 1 s, never waiting for the server's answer;
    /// every pending send (queued before a start too) fails with <see cref="DeliveryFailureReason.ConnectionClosed"/>; every
    /// stream completes, after the subscriber running at that moment (if any) returns; the dispose does not wait for it.
    /// </summary>
    /// <returns>Completes when everything has stopped.</returns>
    public ValueTask DisposeAsync()
    {
        var disposal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var existing = Interlocked.CompareExchange(ref _disposal, disposal.Task, null);
        if (existing is not null)
        {
            return new ValueTask(existing);
        }

        _ = DisposeCoreAsync(disposal);
        return new ValueTask(disposal.Task);
    }

    private async Task DisposeCoreAsync(TaskCompletionSource done)
    {
        try
        {
            _loop.MarkDisposed();
            if (_loop.IsRunning)
            {
                await _loop.StopAsync(CloseReason.Disposed, CancellationToken.None).ConfigureAwait(false);
            }

            _loop.CloseIdle(CloseReason.Disposed);
            await _dispatcher.DisposeAsync().ConfigureAwait(false);
            _requests.FailAll(new ObjectDisposedException(nameof(RealtimeConnection)));
            _queue.Dispose();
            if (_outbox is not null)
            {
                await _outbox.DisposeAsync().ConfigureAwait(false);
            }

            _telemetry.Dispose();
            _state.Complete();
            _errors.Complete();
            done.TrySetResult();
        }
#pragma warning disable CA1031 // Dispose never throws; a bug here is reported through the task.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            done.TrySetException(ex);
        }
    }

    private static TransportOptions ResolveTransport(RealtimeOptions options)
    {
        // The heartbeat decides the protocol pings and the pong timeout unless the app set keep-alive explicitly, whatever
        // else it set on the transport (deflate, certificates, a proxy).
        var transport = options.Transport;
        var heartbeat = options.Heartbeat;
        var interval = transport.KeepAliveInterval ?? (heartbeat.Enabled ? heartbeat.Interval : TimeSpan.Zero);
        var timeout = transport.KeepAliveTimeout ?? (heartbeat.Enabled && interval > TimeSpan.Zero ? heartbeat.Timeout - heartbeat.Interval : null);
        return transport with { KeepAliveInterval = interval, KeepAliveTimeout = timeout };
    }

    private Task WaitForStateAsync(bool skipCurrentConnected, CancellationToken cancellationToken)
    {
        var current = _state.State;
        if (current == ConnectionState.Disconnected)
        {
            return Task.FromException(new ConnectionClosedException("The connection has not been started."));
        }

        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seenOther = !skipCurrentConnected;
        var subscription = _state.Changes.Subscribe(Observer.Create<StateChange>(
            change =>
            {
                switch (change.Current)
                {
                    case ConnectionState.Connected when seenOther:
                        tcs.TrySetResult();
                        break;
                    case ConnectionState.Connected:
                        break;
                    case ConnectionState.Closed:
                        tcs.TrySetException(new ConnectionClosedException(change.CloseReason ?? CloseReason.Stopped, change.Disconnect));
                        break;
                    default:
                        seenOther = true;
                        break;
                }
            },
            static _ => { },
            () => tcs.TrySetException(new ObjectDisposedException(nameof(RealtimeConnection)))));
        return WaitAndUnsubscribeAsync(tcs.Task, subscription, cancellationToken);

        static async Task WaitAndUnsubscribeAsync(Task task, IDisposable subscription, CancellationToken ct)
        {
            using (subscription)
            {
                await task.WaitAsync(ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>What the observable instruments read at each collection: the state, and the queue under its lock.</summary>
    private ConnectionTelemetry.Snapshot TelemetrySnapshot()
    {
        var (pending, bytes, inFlight) = _queue.Snapshot();
        return new ConnectionTelemetry.Snapshot(_state.State, pending, bytes, inFlight);
    }

    private string NewMessageId() => _idPrefix + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
