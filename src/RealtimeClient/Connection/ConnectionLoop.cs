using System.Net.NetworkInformation;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Polly.Timeout;
using RealtimeClient.Diagnostics;
using RealtimeClient.Inbound;
using RealtimeClient.Outbound;
using RealtimeClient.Reconnect;
using RealtimeClient.Serialization;
using RealtimeClient.Transport;

namespace RealtimeClient.Connection;

/// <summary>
/// The owner of the connection's lifecycle: the only caller of the <see cref="StateMachine"/>, and the only holder of the
/// lifecycle state (the current run and its session, the stop and wait tokens, whether it is stopping, the last
/// disconnect). One run per start: attempts through the <see cref="ReconnectPipeline"/>, each one connecting, attaching
/// the socket to the outbound channel, running the hook, and waiting for the socket to end; then the end is classified and
/// the run either retries or closes for good. Stop and dispose ask the run to end and wait for it.
/// </summary>
internal sealed class ConnectionLoop
{
    private readonly RealtimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StateMachine _state;
    private readonly OutboundChannel _outbound;
    private readonly OutboundQueue _queue;
    private readonly InboundPipeline _inbound;
    private readonly PendingRequests _requests;
    private readonly IWebSocketConnector _connector;
    private readonly HandshakeRequestBuilder _handshake;
    private readonly IReconnectPolicy _policy;
    private readonly ReconnectPipeline _pipeline;
    private readonly SessionSettings _settings;
    private readonly IEnvelopeFormat _format;
    private readonly IPayloadSerializer _serializer;
    private readonly IReadOnlyList<Uri> _uris;
    private readonly DurableOutbox? _outbox;
    private readonly ConnectionTelemetry _telemetry;
    private readonly Lock _gate = new();
    private Run? _run; // under _gate
    private bool _everConnected; // under _gate
    private bool _disposed; // under _gate
    private long _sessionIds;
    private int _uriIndex;

    public ConnectionLoop(RealtimeOptions options, TimeProvider time, ILogger logger, StateMachine state, OutboundChannel outbound,
        OutboundQueue queue, InboundPipeline inbound, PendingRequests requests, IWebSocketConnector connector,
        SessionSettings settings, IEnvelopeFormat format, IPayloadSerializer serializer, DurableOutbox? outbox, ConnectionTelemetry telemetry)
    {
        _outbox = outbox;
        _telemetry = telemetry;
        _options = options;
        _time = time;
        _logger = logger;
        _state = state;
        _outbound = outbound;
        _queue = queue;
        _inbound = inbound;
        _requests = requests;
        _connector = connector;
        _settings = settings;
        _format = format;
        _serializer = serializer;
        _uris = options.EffectiveUris();
        _handshake = new HandshakeRequestBuilder(options);
        _policy = options.Reconnect.Policy ?? new DefaultReconnectPolicy(options.Reconnect);
        _pipeline = new ReconnectPipeline(options.Reconnect.ConnectTimeout, time, OnRetry);
    }

    /// <summary>The negotiated subprotocol of the live socket, if any.</summary>
    public string? SubProtocol
    {
        get
        {
            lock (_gate)
            {
                return _run?.Session?.Socket.SubProtocol;
            }
        }
    }

    /// <summary>Starts a run (connecting in the background); does nothing while one is running.</summary>
    /// <exception cref="InvalidOperationException">A stop is still under way.</exception>
    public void Start()
    {
        Run run;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(RealtimeConnection));
            if (_run is { } current)
            {
                if (current.StopReason is not null)
                {
                    throw new InvalidOperationException("The connection is stopping; await StopAsync before starting it again.");
                }

                return;
            }

            run = new Run(_time.GetUtcNow());
            _run = run;
            _queue.Reopen();
            _state.TryTransition(_state.State, new StateChangeDetails(ConnectionState.Connecting) { Attempt = 1 });
        }

        _state.Publish();
        if (_options.Reconnect.RetryWhenNetworkReturns)
        {
            run.NetworkHandler = (_, e) =>
            {
                if (e.IsAvailable)
                {
                    CutWaitShort(run);
                }
            };
            NetworkChange.NetworkAvailabilityChanged += run.NetworkHandler;
        }

        run.Loop = Task.Run(() => RunAsync(run));
    }

    /// <summary>
    /// Replaces a connected socket now (closing it politely) or cuts a backoff wait short; completes when connected again.
    /// </summary>
    public Task RequestReconnect()
    {
        SocketSession? session;
        Run? run;
        lock (_gate)
        {
            run = _run;
            if (run is null || run.StopReason is not null)
            {
                return Task.FromException(new ConnectionClosedException("The connection is not started."));
            }

            session = run.Connected ? run.Session : null;
        }

        Log.ReconnectRequested(_logger);
        if (session is not null)
        {
            // A polite close (1000, bounded, no wait for the answer); the session ends with ReconnectRequested once the frame
            // is written. Ending it first would abort the socket (cancelling a receive does) before the frame could go out.
            _ = session.CloseAsync(WebSocketCloseStatus.NormalClosure, "reconnecting", Min(_options.CloseTimeout, TimeSpan.FromSeconds(1)), waitForReply: false,
                CancellationToken.None, DisconnectKind.ReconnectRequested);
        }
        else
        {
            CutWaitShort(run);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Ends the run: closes the socket (politely, bounded), stops attempts and waits, then the run publishes Closed with
    /// <paramref name="reason"/> and fails what is pending. Concurrent stops share one; a dispose cuts a stop's close short.
    /// </summary>
    public async Task StopAsync(CloseReason reason, CancellationToken cancellationToken)
    {
        Run? run;
        var first = false;
        lock (_gate)
        {
            run = _run;
            if (run is null)
            {
                return;
            }

            if (run.StopReason is null)
            {
                run.StopReason = reason;
                first = true;
            }
        }

        if (!first)
        {
            if (reason == CloseReason.Disposed)
            {
                run.AbortSession(); // a dispose does not wait for the close handshake of a stop under way
            }

            await run.Done.Task.ConfigureAwait(false);
            return;
        }

        var dispose = reason == CloseReason.Disposed;
        var bound = dispose ? Min(_options.CloseTimeout, TimeSpan.FromSeconds(1)) : _options.CloseTimeout;
        _queue.Close(DeliveryFailureReason.ConnectionClosed);
        SocketSession? session;
        SocketSession? tearingDown;
        lock (_gate)
        {
            session = run.Session;
            tearingDown = run.TearingDown;
        }

        if (dispose)
        {
            // Nor does a dispose wait for an ended socket still answering the server's close (bounded by CloseTimeout).
            tearingDown?.Abort();
        }

        if (session is not null)
        {
            using var abortOnCancel = cancellationToken.UnsafeRegister(static s => ((SocketSession)s!).Abort(), session);
            run.StoppingSession = session;
            await _outbound.DetachAsync(null, dispose ? TimeSpan.Zero : bound).ConfigureAwait(false);
            await session.CloseAsync(WebSocketCloseStatus.NormalClosure, dispose ? "disposed" : "stopped", bound, waitForReply: !dispose, cancellationToken).ConfigureAwait(false);
        }

        run.Stop.Cancel();
        await run.Done.Task.ConfigureAwait(false);
    }

    /// <summary>No start from now on (a start racing the dispose fails with <see cref="ObjectDisposedException"/>).</summary>
    public void MarkDisposed()
    {
        lock (_gate)
        {
            _disposed = true;
        }
    }

    /// <summary>Completes when the current run (if any) has finished closing.</summary>
    public Task WhenStopped()
    {
        lock (_gate)
        {
            return _run?.Done.Task ?? Task.CompletedTask;
        }
    }

    /// <summary>Whether a run is under way.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _run is not null;
            }
        }
    }

    /// <summary>For a connection that never ran (or is closed): moves to Closed with <paramref name="reason"/> and fails what waits.</summary>
    public void CloseIdle(CloseReason reason)
    {
        _queue.Close(DeliveryFailureReason.ConnectionClosed);
        _queue.FailAll(DeliveryFailureReason.ConnectionClosed, inFlight: true);
        _requests.FailAll(new ConnectionClosedException(reason, null));
        lock (_gate)
        {
            if (_run is null && _state.State != ConnectionState.Closed)
            {
                _state.TryClose(reason, null);
            }
        }

        _state.Publish();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void CutWaitShort(Run run)
    {
        CancellationTokenSource? wait;
        lock (_gate)
        {
            wait = run.InAttempt || run.StopReason is not null ? null : run.Wait;
        }

        try
        {
            wait?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The wait ended meanwhile.
        }
    }

    private async Task RunAsync(Run run)
    {
        try
        {
            if (_outbox is not null && !await StartOutboxAsync(run).ConfigureAwait(false))
            {
                return;
            }

            while (true)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(run.Stop.Token);
                lock (_gate)
                {
                    run.Wait = wait;
                }

                try
                {
                    await _pipeline.RunAsync(static (s, ct) => s.Self.AttemptAsync(s.Run, ct), (Self: this, Run: run), wait.Token).ConfigureAwait(false);
                    return; // an attempt decided to close for good
                }
                catch (RetryableEnd stopped)
                {
                    // The policy stopped retrying.
                    run.Close(CloseReason.AttemptsExhausted, stopped.Disconnect);
                    return;
                }
                catch (OperationCanceledException) when (run.Stop.IsCancellationRequested)
                {
                    return;
                }
                catch (OperationCanceledException)
                {
                    // ReconnectAsync or the network coming back cut a wait short: the next attempt starts now.
                    lock (_gate)
                    {
                        if (run.StopReason is null)
                        {
                            _state.TryTransitionFrom([ConnectionState.Reconnecting, ConnectionState.Connecting], new StateChangeDetails(ConnectionState.Reconnecting)
                            {
                                Attempt = run.Attempt + 1,
                                RetryDelay = TimeSpan.Zero,
                                Disconnect = run.LastDisconnect,
                            });
                        }
                    }

                    _state.Publish();
                }
            }
        }
        catch (Exception ex)
        {
            // Every expected end is handled above; anything else is a bug, and the connection closes with its cause.
            Log.InternalError(_logger, nameof(ConnectionLoop), ex);
            run.Close(CloseReason.NotRetried, new DisconnectInfo(DisconnectKind.ConnectionLost) { Exception = ex });
        }
        finally
        {
            await FinishAsync(run).ConfigureAwait(false);
        }
    }

    /// <summary>Queues what the outbox holds ahead of everything else; false (and the run closing) when the store cannot be opened.</summary>
    private async Task<bool> StartOutboxAsync(Run run)
    {
        try
        {
            await _outbox!.StartRunAsync(run.Stop.Token).ConfigureAwait(false);
            return true;
        }
        catch (Outbox.OutboxStoreException ex)
        {
            Log.OutboxFailed(_logger, "open", ex);
            run.Close(CloseReason.OutboxFailed, new DisconnectInfo(DisconnectKind.OutboxFailed) { Exception = ex });
            return false;
        }
        catch (OperationCanceledException) when (run.Stop.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>One attempt: connect (bounded by the connect timeout), run the session until it ends, classify the end.</summary>
    private async ValueTask AttemptAsync(Run run, CancellationToken ct)
    {
        await run.Teardown.ConfigureAwait(false);
        int attempt;
        lock (_gate)
        {
            run.InAttempt = true;
            attempt = ++run.Attempt;
        }

        try
        {
            var uri = _uris[(int)((uint)(Interlocked.Increment(ref _uriIndex) - 1) % (uint)_uris.Count)];
            Log.Connecting(_logger, attempt, uri.Host);
            var measured = _telemetry.StartAttempt(attempt, uri);
            SocketSession session;
            try
            {
                session = await _pipeline.ConnectAsync(static (s, token) => s.Self.ConnectAsync(s.Run, s.Uri, s.Attempt, token), (Self: this, Run: run, Uri: uri, Attempt: attempt), ct).ConfigureAwait(false);
            }
            catch (ConnectFailure failure)
            {
                Log.AttemptFailed(_logger, attempt, failure.Disconnect.Cause, failure.Disconnect.Exception);
                _telemetry.AttemptFailed(measured, failure.Disconnect);
                Decide(run, failure.Disconnect);
                return;
            }
            catch (TimeoutRejectedException ex) when (!ct.IsCancellationRequested)
            {
                var timeout = new DisconnectInfo(DisconnectKind.ConnectTimeout)
                {
                    Exception = new TimeoutException($"The attempt did not finish within {_options.Reconnect.ConnectTimeout.TotalSeconds:0.###} s.", ex),
                };
                Log.AttemptFailed(_logger, attempt, timeout.Cause, null);
                _telemetry.AttemptFailed(measured, timeout);
                Decide(run, timeout);
                return;
            }
            catch
            {
                _telemetry.AttemptCancelled(measured); // the run is stopping (or a bug the run reports)
                throw;
            }

            var info = await RunSessionAsync(run, session, uri, attempt, measured).ConfigureAwait(false);
            if (info is null)
            {
                return; // stopped
            }

            Decide(run, info);
        }
        finally
        {
            lock (_gate)
            {
                run.InAttempt = false;
            }
        }
    }

    /// <summary>Opens the socket, attaches it, runs the hook; the socket is ready to flush when this returns.</summary>
    private async ValueTask<SocketSession> ConnectAsync(Run run, Uri uri, int attempt, CancellationToken ct)
    {
        WebSocket socket;
        try
        {
            var request = await _handshake.BuildAsync(uri, run.NextTokenRequest(attempt), ct).ConfigureAwait(false);
            socket = await _connector.ConnectAsync(request, ct).AsTask().WaitAsync(ct).ConfigureAwait(false);
        }
        catch (TokenProviderFailedException ex)
        {
            throw new ConnectFailure(new DisconnectInfo(DisconnectKind.TokenProviderFailed) { Exception = ex.InnerException });
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw new ConnectFailure(TransportFailure.ForConnectFailure(ex));
        }

        var session = new SocketSession(Interlocked.Increment(ref _sessionIds), socket, _settings, _time, _logger, _inbound, _format, _outbound.WriteLock);
        lock (_gate)
        {
            run.Session = session;
        }

        session.Start();
        _outbound.Attach(session);
        try
        {
            if (_options.OnConnected is { } hook)
            {
                bool isReconnect;
                lock (_gate)
                {
                    isReconnect = _everConnected;
                }

                var context = new ConnectedContext(session, _outbound, _format, _serializer, attempt, isReconnect);

                // WaitAsync: a hook that ignores its token is still bounded by the connect timeout.
                await hook(context, ct).AsTask().WaitAsync(ct).ConfigureAwait(false);
            }

            if (session.HasEnded)
            {
                throw new ConnectFailure(await session.Ended.ConfigureAwait(false));
            }

            return session;
        }
        catch (Exception ex)
        {
            // The socket's own end explains a hook that failed because the socket died under it.
            var ended = session.HasEnded && ex is not FatalConnectionException ? session.Ended.Result : null;
            await DropAsync(run, session).ConfigureAwait(false);
            if (ex is ConnectFailure || (ex is OperationCanceledException && ct.IsCancellationRequested))
            {
                throw;
            }

            throw new ConnectFailure(ended ?? new DisconnectInfo(DisconnectKind.OnConnectedFailed) { Exception = ex });
        }
    }

    /// <summary>A connected socket: flush, publish Connected, wait for the end, tear down. Null when the run is stopping.</summary>
    private async ValueTask<DisconnectInfo?> RunSessionAsync(Run run, SocketSession session, Uri uri, int attempt, ConnectionTelemetry.Attempt measured)
    {
        lock (_gate)
        {
            if (run.StopReason is not null)
            {
                run.Session = null;
            }
            else
            {
                run.Connected = true;
                run.HandshakeAccepted();
                _everConnected = true;
                _outbound.StartFlushing(session);
                session.MarkConnected(bytes => _outbound.WriteNowAsync(bytes, MessageKind.Text, CancellationToken.None));
                _state.TryTransitionFrom([ConnectionState.Connecting, ConnectionState.Reconnecting], new StateChangeDetails(ConnectionState.Connected) { Attempt = attempt });
            }
        }

        if (run.Connected)
        {
            _telemetry.AttemptSucceeded(measured);
        }
        else
        {
            _telemetry.AttemptCancelled(measured);
        }

        _state.Publish();
        if (!run.Connected)
        {
            await DropAsync(run, session).ConfigureAwait(false);
            return null;
        }

        Log.Connected(_logger, uri.Host, attempt);
        DisconnectInfo info;
        using (run.Stop.Token.UnsafeRegister(static s => ((SocketSession)s!).End(new DisconnectInfo(DisconnectKind.ClosedByClient)), session))
        {
            info = await session.Ended.ConfigureAwait(false);
        }

        await _outbound.DetachAsync(info, TimeSpan.Zero).ConfigureAwait(false);
        lock (_gate)
        {
            run.Connected = false;
            run.Session = null;
            run.TearingDown = session;
            run.LastDisconnect = info;
        }

        // Tear the socket down in the background, so the state says what happened without waiting for its loops to unwind
        // (a close answer or a drain is bounded by CloseTimeout); the next attempt waits for it, a dispose cuts it short.
        run.Teardown = session.DisposeAsync().AsTask();
        if (run.StopReason is not null)
        {
            return null;
        }

        _requests.OnConnectionLost(info, _options.Requests.ResendOnReconnect);
        Log.ConnectionLost(_logger, info.UpTime.TotalMilliseconds, info.Cause, info.Exception);
        return info;
    }

    /// <summary>A socket that never became connected: detach and dispose it.</summary>
    private async Task DropAsync(Run run, SocketSession session)
    {
        await _outbound.DetachAsync(null, TimeSpan.Zero).ConfigureAwait(false);
        lock (_gate)
        {
            if (run.Session == session)
            {
                run.Session = null;
            }
        }

        await session.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// After an end: close for good (the attempt returns, so the pipeline completes), or ask the policy once and throw its
    /// decision for the retry strategy.
    /// </summary>
    private void Decide(Run run, DisconnectInfo info)
    {
        int next;
        bool everConnected;
        lock (_gate)
        {
            if (run.StopReason is not null)
            {
                return;
            }

            run.LastDisconnect = info;
            if (info.Kind == DisconnectKind.ReconnectRequested)
            {
                // The app asked: no delay, and the backoff starts over.
                run.ResetBackoff(_time.GetUtcNow());
                throw new RetryableEnd(info, 1, TimeSpan.Zero);
            }

            if (info.UpTime >= _options.Reconnect.MinimumUptime && info.UpTime > TimeSpan.Zero)
            {
                // The connection had stayed up: the backoff starts over (a shorter one counts as a failed attempt).
                run.ResetBackoff(_time.GetUtcNow());
            }

            everConnected = _everConnected;
            next = run.Attempt + 1;
        }

        var verdict = DisconnectClassifier.Classify(info, new ClassificationInput(_options.Reconnect, _options.Authentication, _handshake.HasTokenProvider, everConnected, run.TokenRefreshed));
        if (verdict.Close is { } reason)
        {
            run.Close(reason, info);
            return;
        }

        if (verdict.RefreshToken)
        {
            Log.RefreshingToken(_logger, info.Cause);
            run.RefuseToken(info);
        }

        var context = new ReconnectContext(next, info)
        {
            Elapsed = _time.GetUtcNow() - run.TryingSince,
            LastConnectionUpTime = info.UpTime,
            WasConnected = everConnected,
        };
        throw new RetryableEnd(info, next, _policy.NextDelay(context));
    }

    /// <summary>Polly is about to wait before the next attempt: publish Reconnecting with the attempt, the delay and the cause.</summary>
    private void OnRetry(RetryableEnd end, TimeSpan delay)
    {
        lock (_gate)
        {
            if (_run is not { StopReason: null })
            {
                return;
            }

            _state.TryTransitionFrom([ConnectionState.Connecting, ConnectionState.Connected, ConnectionState.Reconnecting], new StateChangeDetails(ConnectionState.Reconnecting)
            {
                Attempt = end.NextAttempt,
                RetryDelay = delay,
                Disconnect = end.Disconnect,
            });
        }

        _state.Publish();
        Log.Reconnecting(_logger, end.NextAttempt, delay.TotalMilliseconds);
    }

    /// <summary>The run is over: fail what is pending, publish Closed, let a new start begin.</summary>
    private async Task FinishAsync(Run run)
    {
        if (run.NetworkHandler is { } handler)
        {
            NetworkChange.NetworkAvailabilityChanged -= handler;
        }

        SocketSession? leftover;
        lock (_gate)
        {
            leftover = run.Session;
            run.Session = null;
        }

        if (leftover is not null)
        {
            await DropAsync(run, leftover).ConfigureAwait(false);
        }

        await run.Teardown.ConfigureAwait(false);
        var reason = run.StopReason ?? run.CloseReason ?? CloseReason.NotRetried;
        var last = run.CloseDisconnect ?? run.LastDisconnect;
        if (run.StopReason is not null)
        {
            last = run.LastDisconnect;
        }

        _queue.Close(DeliveryFailureReason.ConnectionClosed);
        _queue.FailAll(DeliveryFailureReason.ConnectionClosed, inFlight: true);
        _requests.FailAll(new ConnectionClosedException(reason, last));
        Log.Closed(_logger, reason);
        lock (_gate)
        {
            if (_run == run)
            {
                _run = null;
            }

            _state.TryClose(reason, last);
        }

        _state.Publish();
        run.Done.TrySetResult();
    }

    /// <summary>The lifecycle state of one start, owned by the loop (fields under its lock unless noted).</summary>
    private sealed class Run(DateTimeOffset startedAt)
    {
        public CancellationTokenSource Stop { get; } = new();

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Loop { get; set; } = Task.CompletedTask;

        public CancellationTokenSource? Wait { get; set; }

        public SocketSession? Session { get; set; }

        public SocketSession? StoppingSession { get; set; }

        /// <summary>The last socket that ended, torn down in the background (it may still be answering the server's close).</summary>
        public SocketSession? TearingDown { get; set; }

        public bool Connected { get; set; }

        public bool InAttempt { get; set; }

        public CloseReason? StopReason { get; set; }

        public CloseReason? CloseReason { get; private set; }

        public DisconnectInfo? CloseDisconnect { get; private set; }

        public DisconnectInfo? LastDisconnect { get; set; }

        /// <summary>Attempts since the last connection that stayed up.</summary>
        public int Attempt { get; set; }

        public DateTimeOffset TryingSince { get; private set; } = startedAt;

        public bool TokenRefreshed { get; private set; }

        private bool RefusedAtHandshake { get; set; }

        public Task Teardown { get; set; } = Task.CompletedTask;

        public NetworkAvailabilityChangedEventHandler? NetworkHandler { get; set; }

        private DisconnectInfo? Refusal { get; set; }

        public void Close(CloseReason reason, DisconnectInfo? disconnect)
        {
            CloseReason ??= reason;
            CloseDisconnect ??= disconnect;
        }

        public void ResetBackoff(DateTimeOffset now)
        {
            Attempt = 0;
            TryingSince = now;
            TokenRefreshed = false;
        }

        public void RefuseToken(DisconnectInfo refusal)
        {
            TokenRefreshed = true;
            RefusedAtHandshake = refusal.Kind == DisconnectKind.HandshakeRejected;
            Refusal = refusal;
        }

        /// <summary>
        /// A socket opened. A token refreshed after a refused handshake has just been accepted, so a later refusal is a new
        /// one that may be refreshed again; a token refused by a close code is trusted only once the connection stays up.
        /// </summary>
        public void HandshakeAccepted()
        {
            if (RefusedAtHandshake)
            {
                TokenRefreshed = false;
                RefusedAtHandshake = false;
            }
        }

        public TokenRequest NextTokenRequest(int attempt)
        {
            if (Refusal is { } refusal)
            {
                Refusal = null;
                return new TokenRequest(TokenRequestReason.TokenRefused, attempt) { Refusal = refusal };
            }

            return new TokenRequest(LastDisconnect is null ? TokenRequestReason.FirstConnect : TokenRequestReason.Reconnect, attempt);
        }

        public void AbortSession()
        {
            (StoppingSession ?? Session)?.Abort();
            TearingDown?.Abort();
        }
    }

    /// <summary>The connect step of an attempt failed, with its cause.</summary>
    private sealed class ConnectFailure(DisconnectInfo disconnect) : Exception(disconnect.Cause)
    {
        public DisconnectInfo Disconnect { get; } = disconnect;
    }
}
