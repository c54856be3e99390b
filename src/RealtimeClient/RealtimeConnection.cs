using System.Net.NetworkInformation;
using System.Reactive;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RealtimeClient.Codec;
using RealtimeClient.Internal;

namespace RealtimeClient;

/// <summary>
/// A WebSocket connection that stays connected: it reconnects with backoff and jitter, detects dead connections,
/// queues outbound messages across disconnections and completes every send with its outcome, and delivers inbound
/// messages to subscribers that outlive every socket.
/// </summary>
/// <remarks>
/// Lifecycle: <see cref="StartAsync(CancellationToken)"/> (or <see cref="Start"/>), then <see cref="StopAsync(CancellationToken)"/>
/// and <see cref="DisposeAsync"/>. A stopped (<see cref="ConnectionState.Closed"/>) connection can be started again;
/// a disposed one cannot. All members are thread-safe.
/// </remarks>
public sealed partial class RealtimeConnection : IAsyncDisposable, ISessionHost
{
    private readonly RealtimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IWebSocketConnector _connector;
    private readonly IMessageCodec _codec;
    private readonly StateMachine _state;
    private readonly ObserverList<RealtimeError> _errors;
    private readonly OutboundQueue _queue;
    private readonly InboundFilter _inbound;
    private readonly PendingRequests _requests;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private ConnectionSupervisor? _supervisor;
    private CancellationTokenSource? _stopCts;
    private Task _run = Task.CompletedTask;
    private int _disposed;

    /// <summary>Creates a connection; nothing happens on the network until it is started.</summary>
    /// <param name="options">The options; validated here (an invalid option throws <see cref="ArgumentException"/>).</param>
    /// <param name="loggerFactory">Where log events go (default: <see langword="null"/>, nowhere). Secrets are never logged.</param>
    /// <param name="timeProvider">Every delay, timer and timestamp (default: <see langword="null"/>, <see cref="TimeProvider.System"/>).</param>
    public RealtimeConnection(RealtimeOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<RealtimeConnection>() ?? NullLogger.Instance;
        _errors = new ObserverList<RealtimeError>("Errors", _logger, replayLatest: false);
        _state = new StateMachine(_logger, _time, ex => ReportError(new RealtimeError(ErrorKind.SubscriberFailed, "A StateChanges observer threw.", ex)));
        // The default codec is immutable and thread-safe: one shared instance instead of a JsonSerializerOptions and an
        // intern table per connection (a few KiB each, which adds up over many idle connections).
        _codec = options.Codec ?? JsonEnvelopeCodec.Default;
        _connector = options.Connector ?? new ClientWebSocketConnector(options.Transport ?? DefaultTransport(options.Heartbeat));
        _queue = new OutboundQueue(options.Queue, options.Acknowledgements, _time, _logger, OnMessageDropped);
        Dispatcher = new Dispatcher(options.Dispatch, _codec, ReportError, _logger);

        // Acknowledgements are consumed by the queue: they are not "unhandled" messages.
        Dispatcher.MarkHandled(options.Acknowledgements.AckType);
        _inbound = new InboundFilter(options, _codec, _logger);
        _requests = new PendingRequests();
    }

    /// <summary>The current state.</summary>
    public ConnectionState State => _state.State;

    /// <summary>
    /// Every state change, in order. A new subscriber first receives the latest change (so it always learns the current
    /// state). Observers are called synchronously by the connection, one at a time: keep them short and never block on the
    /// connection from inside one (use <c>ObserveOn</c> to move work elsewhere). An observer that throws is reported on
    /// <see cref="Errors"/> and stays subscribed. Completes when the connection is disposed.
    /// </summary>
    public IObservable<StateChange> StateChanges => _state.Changes;

    /// <summary>
    /// Problems the connection survived or is handling: failed attempts, lost connections, bad inbound data, throwing
    /// subscribers, dropped messages. Never calls <c>OnError</c>. Completes when the connection is disposed.
    /// </summary>
    public IObservable<RealtimeError> Errors => _errors;

    /// <summary>The number of messages waiting in the outbound queue (not yet written).</summary>
    public int PendingCount => _queue.PendingCount;

    /// <summary>The payload bytes waiting in the outbound queue.</summary>
    public long PendingBytes => _queue.PendingBytes;

    /// <summary>The number of acknowledged-delivery messages written but not yet acknowledged.</summary>
    public int UnacknowledgedCount => _queue.InFlightCount;

    internal Dispatcher Dispatcher { get; }

    RealtimeOptions ISessionHost.Options => _options;

    TimeProvider ISessionHost.Time => _time;

    ILogger ISessionHost.Logger => _logger;

    OutboundQueue ISessionHost.Queue => _queue;

    /// <summary>
    /// Starts connecting in the background and returns at once. Messages sent meanwhile are queued. Does nothing if the
    /// connection is already started.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _lifecycle.Wait();
        try
        {
            StartLocked();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Starts the connection and waits until it is connected (with retries, as configured). Cancelling
    /// <paramref name="cancellationToken"/> abandons the start: the connection is stopped and the call throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="cancellationToken">Abandons the start.</param>
    /// <returns>Completes when connected.</returns>
    /// <exception cref="ConnectionClosedException">The connection closed for good before connecting (for example, attempts exhausted or authentication failed).</exception>
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
    /// <exception cref="ConnectionClosedException">The connection is or became closed for good (or was never started).</exception>
    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken = default)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = _state.Changes.Subscribe(Observer.Create<StateChange>(change =>
        {
            if (change.Current == ConnectionState.Connected)
            {
                tcs.TrySetResult();
            }
            else if (change.Current == ConnectionState.Closed)
            {
                tcs.TrySetException(new ConnectionClosedException(change.CloseReason ?? CloseReason.Stopped, change.Disconnect));
            }
            else if (change.Current == ConnectionState.Disconnected)
            {
                tcs.TrySetException(new ConnectionClosedException("The connection has not been started."));
            }
        }, static _ => { }, () => tcs.TrySetException(new ObjectDisposedException(nameof(RealtimeConnection)))));
        return WaitAndUnsubscribe(tcs.Task, subscription, cancellationToken);

        static async Task WaitAndUnsubscribe(Task task, IDisposable subscription, CancellationToken ct)
        {
            using (subscription)
            {
                await task.WaitAsync(ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Forces a new connection now: a connected socket is closed and replaced without backoff; a backoff wait is cut short.
    /// </summary>
    /// <param name="cancellationToken">Not used to wait: the call returns at once. Present for symmetry and future use.</param>
    /// <returns>A completed task.</returns>
    public Task ReconnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        _supervisor?.RequestReconnect();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops the connection: closes the socket with 1000 (waiting up to <see cref="RealtimeOptions.CloseTimeout"/> for the
    /// server's answer, then aborting), fails every pending send with <see cref="DeliveryFailureReason.ConnectionClosed"/>,
    /// and moves to <see cref="ConnectionState.Closed"/> with <see cref="CloseReason.Stopped"/>. Does nothing if not started.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the close handshake (the socket is aborted at once).</param>
    /// <returns>Completes when stopped.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default) => StopCoreAsync(null, CloseReason.Stopped, waitForCloseReply: true, cancellationToken);

    /// <summary>
    /// Stops the connection after waiting, up to <paramref name="drainTimeout"/>, for the outbound queue to drain (every
    /// queued message written and every acknowledged one acknowledged). What is still pending then fails with
    /// <see cref="DeliveryFailureReason.ConnectionClosed"/>.
    /// </summary>
    /// <param name="drainTimeout">The longest wait for the queue to drain.</param>
    /// <param name="cancellationToken">Cancels the wait for the drain and the close handshake.</param>
    /// <returns>True if the queue drained before the stop.</returns>
    public async Task<bool> StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken = default)
    {
        var drained = await WaitUntilDrainedAsync(drainTimeout, cancellationToken).ConfigureAwait(false);
        await StopCoreAsync(null, CloseReason.Stopped, waitForCloseReply: true, cancellationToken).ConfigureAwait(false);
        return drained;
    }

    /// <summary>
    /// Disposes the connection promptly in every state: cancels a connect under way, sends a close frame (bounded by
    /// <see cref="RealtimeOptions.CloseTimeout"/>, never waiting for the server's answer), aborts the socket, fails every
    /// pending send with <see cref="DeliveryFailureReason.ConnectionClosed"/>, and completes every stream.
    /// </summary>
    /// <returns>Completes when everything has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopCoreAsync(null, CloseReason.Disposed, waitForCloseReply: false, CancellationToken.None).ConfigureAwait(false);
        _state.TryClose(CloseReason.Disposed, null);
        await Dispatcher.DisposeAsync().ConfigureAwait(false);
        _requests.FailAll(new ObjectDisposedException(nameof(RealtimeConnection)));
        _state.Complete();
        _errors.Complete();
        _lifecycle.Dispose();
    }

    void ISessionHost.ReportError(RealtimeError error) => ReportError(error);

    bool ISessionHost.TryReadHeader(ReadOnlySpan<byte> utf8, out string? type, out string? id) => _codec.TryReadHeader(utf8, out type, out id);

    ValueTask<DisconnectInfo?> ISessionHost.OnInboundAsync(MessageKind kind, byte[] buffer, int length, CancellationToken cancellationToken) =>
        _inbound.HandleAsync(this, kind, buffer, length, cancellationToken);

    internal void ReportError(RealtimeError error) => _errors.Publish(error);

    private static ClientWebSocketConnectorOptions DefaultTransport(HeartbeatOptions heartbeat) => new()
    {
        KeepAliveInterval = heartbeat.Enabled ? heartbeat.Interval : TimeSpan.Zero,
        KeepAliveTimeout = heartbeat.Enabled && heartbeat.Message is null && heartbeat.Timeout > heartbeat.Interval
            ? heartbeat.Timeout - heartbeat.Interval
            : null,
    };

    private void StartLocked()
    {
        if (_supervisor is not null)
        {
            return;
        }

        var from = _state.State;
        var supervisor = new ConnectionSupervisor(this, _state, _connector);
        var stopCts = new CancellationTokenSource();
        _supervisor = supervisor;
        _stopCts = stopCts;
        _state.TryTransition(from, ConnectionState.Connecting, attempt: 1);
        NetworkChange.NetworkAvailabilityChanged += OnNetworkAvailabilityChanged;
        _run = Task.Run(() => RunSupervisorAsync(supervisor, stopCts.Token));
    }

    private async Task RunSupervisorAsync(ConnectionSupervisor supervisor, CancellationToken stopToken)
    {
        try
        {
            await supervisor.RunAsync(stopToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.InternalError(_logger, nameof(ConnectionSupervisor), ex);
            ReportError(new RealtimeError(ErrorKind.Internal, "The connection supervisor failed unexpectedly.", ex));
            _state.TryClose(CloseReason.NotRetried, new DisconnectInfo(DisconnectKind.ConnectionLost, exception: ex));
        }

        if (_state.State == ConnectionState.Closed && !supervisor.Stopping)
        {
            // Closed for good by the supervisor: nothing pending can be delivered any more.
            await StopCoreAsync(supervisor, null, waitForCloseReply: false, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task StopCoreAsync(ConnectionSupervisor? expected, CloseReason? reason, bool waitForCloseReply, CancellationToken cancellationToken)
    {
        ConnectionSupervisor? supervisor;
        CancellationTokenSource? stopCts;
        Task run;
        await _lifecycle.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            supervisor = _supervisor;
            if (supervisor is null || (expected is not null && supervisor != expected))
            {
                return;
            }

            stopCts = _stopCts;
            run = _run;
            _supervisor = null;
            _stopCts = null;
            NetworkChange.NetworkAvailabilityChanged -= OnNetworkAvailabilityChanged;
            if (reason is not null)
            {
                supervisor.Stopping = true;
            }
        }
        finally
        {
            _lifecycle.Release();
        }

        if (reason is not null && supervisor.Session is { } session)
        {
            using var abortOnCancel = cancellationToken.UnsafeRegister(static s => ((Session)s!).End(new DisconnectInfo(DisconnectKind.ConnectionLost)), session);
            await session.CloseAsync(WebSocketCloseStatus.NormalClosure, reason == CloseReason.Disposed ? "disposed" : "stopped", _options.CloseTimeout, waitForCloseReply).ConfigureAwait(false);
        }

        stopCts!.Cancel();
        if (expected is null)
        {
            await run.ConfigureAwait(false);
        }

        if (reason is { } closeReason)
        {
            _state.TryClose(closeReason, supervisor.LastDisconnect);
        }

        _queue.FailAll(DeliveryFailureReason.ConnectionClosed);
        _requests.FailAll(new ConnectionClosedException(reason ?? CloseReason.NotRetried, supervisor.LastDisconnect));
        stopCts.Dispose();
    }

    private void OnNetworkAvailabilityChanged(object? sender, NetworkAvailabilityEventArgs e)
    {
        if (e.IsAvailable)
        {
            _supervisor?.CutWaitShort();
        }
    }

    private void OnMessageDropped(OutboundMessage message, DeliveryFailureReason reason)
    {
        if (reason is DeliveryFailureReason.Dropped or DeliveryFailureReason.Rejected or DeliveryFailureReason.TooLarge)
        {
            ReportError(new RealtimeError(ErrorKind.MessageDropped, $"An outbound message was not queued: {reason}.", new MessageDeliveryException(reason, message.Id)));
        }
    }
}
