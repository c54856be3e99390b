using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace RealtimeClient.Internal;

/// <summary>
/// The only place the public state changes: runs attempts through a Polly pipeline, runs each session, classifies how it
/// ended, and either tries again (backing off) or closes for good.
/// </summary>
internal sealed class ConnectionSupervisor
{
    private readonly ISessionHost _host;
    private readonly StateMachine _state;
    private readonly IWebSocketConnector _connector;
    private readonly IReadOnlyList<Uri> _uris;
    private readonly ResiliencePipeline _pipeline;
    private readonly bool _customPipeline;
    private readonly Random _random;
    private readonly object _gate = new();
    private Session? _session;
    private CancellationTokenSource? _runCts;
    private int _uriIndex;
    private bool _everConnected;
    private bool _stopping;
    private Task _teardown = Task.CompletedTask;

    public ConnectionSupervisor(ISessionHost host, StateMachine state, IWebSocketConnector connector, Random? random = null)
    {
        _host = host;
        _state = state;
        _connector = connector;
        _uris = host.Options.EffectiveUris();
        _random = random ?? Random.Shared;
        _customPipeline = host.Options.Reconnect.Pipeline is not null;
        _pipeline = host.Options.Reconnect.Pipeline ?? BuildPipeline();
    }

    /// <summary>Set by the app's stop before it closes the session, so the end of that session is not retried.</summary>
    public bool Stopping
    {
        get => Volatile.Read(ref _stopping);
        set => Volatile.Write(ref _stopping, value);
    }

    /// <summary>The live session, if connected.</summary>
    public Session? Session => Volatile.Read(ref _session);

    /// <summary>The last disconnect seen, for the close reason of a stop.</summary>
    public DisconnectInfo? LastDisconnect { get; private set; }

    private ReconnectOptions Reconnect => _host.Options.Reconnect;

    private ILogger Logger => _host.Logger;

    /// <summary>Runs until the connection closes for good or <paramref name="stopToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stopToken)
    {
        try
        {
            await RunAttemptsAsync(stopToken).ConfigureAwait(false);
        }
        finally
        {
            await _teardown.ConfigureAwait(false);
        }
    }

    private async Task RunAttemptsAsync(CancellationToken stopToken)
    {
        var run = new RunState();
        while (!stopToken.IsCancellationRequested)
        {
            using var runCts = CancellationTokenSource.CreateLinkedTokenSource(stopToken);
            Volatile.Write(ref _runCts, runCts);
            RunResult result;
            try
            {
                result = await _pipeline.ExecuteAsync(static (state, ct) => state.Self.AttemptAsync(state.Run, ct), (Self: this, Run: run), runCts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                // ReconnectAsync or a network change cut a backoff wait short: start a fresh run now.
                run.Reset();
                continue;
            }
            catch (ConnectionAttemptException ex)
            {
                Close(CloseReason.AttemptsExhausted, ex.Disconnect);
                return;
            }
            finally
            {
                Volatile.Write(ref _runCts, null);
            }

            if (result.CloseReason is { } reason)
            {
                if (!stopToken.IsCancellationRequested && !Stopping)
                {
                    Close(reason, result.Disconnect);
                }

                return;
            }

            // A connection that had stayed up dropped: the backoff starts again, and the first retry waits a random
            // time within the initial delay (none when the app asked for the reconnect).
            run.Reset();
            var delay = result.Disconnect?.Kind == DisconnectKind.ReconnectRequested ? TimeSpan.Zero : Backoff.AfterDrop(Reconnect, _random);
            _state.TryTransition(ConnectionState.Connected, ConnectionState.Reconnecting, attempt: 1, retryDelay: delay, disconnect: result.Disconnect);
            Log.Reconnecting(Logger, 1, delay.TotalMilliseconds);
            if (delay > TimeSpan.Zero)
            {
                using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(stopToken);
                Volatile.Write(ref _runCts, waitCts);
                try
                {
                    await Task.Delay(delay, _host.Time, waitCts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stopToken.IsCancellationRequested)
                {
                    // Cut short: try now.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                finally
                {
                    Volatile.Write(ref _runCts, null);
                }
            }
        }
    }

    /// <summary>Ends the live session so a new one starts now, or cuts a backoff wait short.</summary>
    public void RequestReconnect()
    {
        if (Session is { } session)
        {
            session.End(new DisconnectInfo(DisconnectKind.ReconnectRequested, upTime: session.UpTime));
            return;
        }

        CutWaitShort();
    }

    /// <summary>Cuts a backoff wait short (the network came back).</summary>
    public void CutWaitShort()
    {
        if (_state.State == ConnectionState.Reconnecting && Session is null)
        {
            try
            {
                Volatile.Read(ref _runCts)?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended meanwhile.
            }
        }
    }

    private async ValueTask<RunResult> AttemptAsync(RunState run, CancellationToken ct)
    {
        run.Attempt++;
        var uri = _uris[_uriIndex++ % _uris.Count];
        Log.Connecting(Logger, run.Attempt, uri.Host);
        if (_customPipeline && run.Attempt > 1)
        {
            TransitionToReconnecting(run.Attempt, null, run.LastFailure);
        }

        await _teardown.ConfigureAwait(false);
        var (session, failure) = await ConnectAsync(uri, run, ct).ConfigureAwait(false);
        if (session is null)
        {
            return Classify(run, failure!, connected: false);
        }

        // Connected: the backoff of this run is kept until the connection proves itself by staying up.
        var previous = _state.State;
        Volatile.Write(ref _session, session);
        run.AuthRefreshUsed = false;
        _everConnected = true;
        _state.TryTransition(previous, ConnectionState.Connected, attempt: run.Attempt);
        Log.Connected(Logger, uri.Host, run.Attempt);

        DisconnectInfo info;
        using (ct.UnsafeRegister(static s => ((Session)s!).End(new DisconnectInfo(DisconnectKind.ConnectionLost)), session))
        {
            info = await session.Ended.ConfigureAwait(false);
        }

        // Tear the socket and its loops down in the background, so the state says what happened without waiting for
        // them to unwind (on a loaded machine that can take most of a second); the next attempt waits for it.
        Volatile.Write(ref _session, null);
        _teardown = session.DisposeAsync().AsTask();
        ct.ThrowIfCancellationRequested();

        if (Stopping)
        {
            return RunResult.Closed(CloseReason.Stopped, info);
        }

        LastDisconnect = info;
        _host.OnConnectionLost(info);
        Log.ConnectionLost(Logger, info.UpTime.TotalMilliseconds, info.ToString());
        if (info.Kind != DisconnectKind.ReconnectRequested)
        {
            _host.ReportError(new RealtimeError(ErrorKind.ConnectionLost, $"The connection was lost: {info}.", info.Exception));
        }

        return Classify(run, info, connected: true);
    }

    private async ValueTask<(Session? Session, DisconnectInfo? Failure)> ConnectAsync(Uri uri, RunState run, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(Reconnect.ConnectTimeout, _host.Time);
        using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        WebSocket? socket = null;
        Session? session = null;
        try
        {
            var request = await BuildRequestAsync(uri, run.Attempt, attemptCts.Token).ConfigureAwait(false);
            socket = await _connector.ConnectAsync(request, attemptCts.Token).ConfigureAwait(false);
            session = new Session(socket, _host);
            session.Start();
            if (_host.Options.OnConnected is { } hook)
            {
                var context = new ConnectedContext(session, run.Attempt, _everConnected);
                try
                {
                    await hook(context, attemptCts.Token).ConfigureAwait(false);
                }
                catch (FatalConnectionException ex)
                {
                    Log.OnConnectedFailed(Logger, ex);
                    _host.ReportError(new RealtimeError(ErrorKind.OnConnectedFailed, "The on-connected hook declared the connection unusable.", ex));
                    await session.DisposeAsync().ConfigureAwait(false);
                    return (null, new DisconnectInfo(DisconnectKind.OnConnectedFailed, exception: ex));
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && !timeout.IsCancellationRequested)
                {
                    Log.OnConnectedFailed(Logger, ex);
                    _host.ReportError(new RealtimeError(ErrorKind.OnConnectedFailed, "The on-connected hook failed; the attempt counts as failed.", ex));
                    var info = session.Ended.IsCompleted ? session.Ended.Result : new DisconnectInfo(DisconnectKind.OnConnectedFailed, exception: ex);
                    await session.DisposeAsync().ConfigureAwait(false);
                    return (null, info);
                }
            }

            if (session.Ended.IsCompleted)
            {
                var info = session.Ended.Result;
                await session.DisposeAsync().ConfigureAwait(false);
                return (null, info);
            }

            session.StartPump();
            return (session, null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            await DisposeQuietly(session, socket).ConfigureAwait(false);
            return (null, new DisconnectInfo(DisconnectKind.ConnectTimeout, exception: new TimeoutException($"The attempt did not finish within {Reconnect.ConnectTimeout.TotalSeconds:0.###} s.")));
        }
        catch (OperationCanceledException)
        {
            await DisposeQuietly(session, socket).ConfigureAwait(false);
            throw;
        }
        catch (HandshakeRejectedException ex)
        {
            _host.ReportError(new RealtimeError(ErrorKind.HandshakeRejected, ex.Message, ex));
            return (null, new DisconnectInfo(DisconnectKind.HandshakeRejected, httpStatus: ex.StatusCode, exception: ex));
        }
        catch (Exception ex)
        {
            await DisposeQuietly(session, socket).ConfigureAwait(false);
            _host.ReportError(new RealtimeError(ErrorKind.ConnectFailed, $"Connecting to {uri.Host} failed: {ex.GetType().Name}.", ex));
            return (null, new DisconnectInfo(DisconnectKind.ConnectFailed, exception: ex));
        }
    }

    private static async ValueTask DisposeQuietly(Session? session, WebSocket? socket)
    {
        if (session is not null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            socket?.Dispose();
        }
    }

    private async ValueTask<WebSocketConnectRequest> BuildRequestAsync(Uri uri, int attempt, CancellationToken ct)
    {
        var options = _host.Options;
        var auth = options.Authentication;
        var headers = new Dictionary<string, string>(options.Headers, StringComparer.OrdinalIgnoreCase);
        if (auth.TokenProvider is { } provider)
        {
            string? token;
            try
            {
                token = await provider(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.TokenProviderFailed(Logger, ex);
                _host.ReportError(new RealtimeError(ErrorKind.TokenProviderFailed, "The token provider failed; the attempt counts as failed.", ex));
                throw;
            }

            if (token is not null)
            {
                if (auth.Placement == TokenPlacement.Header)
                {
                    headers[auth.HeaderName] = auth.HeaderValuePrefix + token;
                }
                else
                {
                    var builder = new UriBuilder(uri);
                    var pair = Uri.EscapeDataString(auth.QueryParameterName) + "=" + Uri.EscapeDataString(token);
                    builder.Query = string.IsNullOrEmpty(builder.Query) ? pair : builder.Query.TrimStart('?') + "&" + pair;
                    uri = builder.Uri;
                }
            }
        }

        return new WebSocketConnectRequest(uri, headers, options.SubProtocols, attempt);
    }

    /// <summary>Decides what a failed attempt or a lost connection leads to: a retry (thrown for Polly), a reset, or a close.</summary>
    private RunResult Classify(RunState run, DisconnectInfo info, bool connected)
    {
        LastDisconnect = info;
        run.LastFailure = info;
        if (!connected)
        {
            Log.AttemptFailed(Logger, run.Attempt, info.ToString());
        }

        if (info.Kind == DisconnectKind.OnConnectedFailed && info.Exception is FatalConnectionException)
        {
            return RunResult.Closed(CloseReason.OnConnectedFatal, info);
        }

        if (info.Kind == DisconnectKind.FatalMessage)
        {
            return RunResult.Closed(CloseReason.FatalMessage, info);
        }

        if (info.Kind == DisconnectKind.HandshakeRejected && info.HttpStatus is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            && Reconnect.ShouldReconnect is null)
        {
            if (_host.Options.Authentication.TokenProvider is null || run.AuthRefreshUsed)
            {
                return RunResult.Closed(CloseReason.AuthenticationFailed, info);
            }

            run.AuthRefreshUsed = true;
        }
        else if (Reconnect.ShouldReconnect is { } shouldReconnect ? !shouldReconnect(info) : !ReconnectOptions.IsRetryableByDefault(info, Reconnect.FatalCloseStatuses))
        {
            return RunResult.Closed(info.Kind == DisconnectKind.ServerClosed ? CloseReason.FatalCloseStatus : CloseReason.NotRetried, info);
        }

        if (!Reconnect.Enabled || (!_everConnected && !Reconnect.RetryFirstConnect))
        {
            return RunResult.Closed(CloseReason.NotRetried, info);
        }

        if (connected && (info.UpTime >= Reconnect.MinimumUptime || info.Kind == DisconnectKind.ReconnectRequested))
        {
            return RunResult.Dropped(info);
        }

        // A failed attempt, or a connection that did not stay up long enough (flapping): Polly backs off and retries.
        throw new ConnectionAttemptException(info);
    }

    private void TransitionToReconnecting(int attempt, TimeSpan? delay, DisconnectInfo? info)
    {
        var current = _state.State;
        if (current is ConnectionState.Connecting or ConnectionState.Connected or ConnectionState.Reconnecting)
        {
            _state.TryTransition(current, ConnectionState.Reconnecting, attempt: attempt, retryDelay: delay, disconnect: info);
        }

        if (delay is { } d)
        {
            Log.Reconnecting(Logger, attempt, d.TotalMilliseconds);
        }
    }

    private void Close(CloseReason reason, DisconnectInfo? info)
    {
        Log.Closed(Logger, reason);
        _state.TryClose(reason, info);
    }

    private ResiliencePipeline BuildPipeline()
    {
        var reconnect = Reconnect;
        if (reconnect.MaxAttempts == 1)
        {
            // One attempt and no retry: Polly's retry strategy needs at least one retry, so none is added.
            return ResiliencePipeline.Empty;
        }

        var retry = new RetryStrategyOptions
        {
            Name = "RealtimeClient.Reconnect",
            // A custom delay generator stops the retries by returning null for the next attempt.
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is ConnectionAttemptException
                && (reconnect.DelayGenerator is not { } stop || stop(args.AttemptNumber + 1) is not null)),
            MaxRetryAttempts = reconnect.MaxAttempts is { } max ? max - 1 : int.MaxValue,
            BackoffType = DelayBackoffType.Constant,
            UseJitter = false,
            DelayGenerator = args =>
            {
                var failed = args.AttemptNumber + 1;
                var delay = reconnect.DelayGenerator is { } custom ? custom(failed) ?? TimeSpan.Zero : Backoff.AfterFailedAttempt(reconnect, failed, _random);
                return ValueTask.FromResult<TimeSpan?>(delay);
            },
            OnRetry = args =>
            {
                var info = (args.Outcome.Exception as ConnectionAttemptException)?.Disconnect;
                TransitionToReconnecting(args.AttemptNumber + 2, args.RetryDelay, info);
                return ValueTask.CompletedTask;
            },
        };

        return new ResiliencePipelineBuilder { TimeProvider = _host.Time }.AddRetry(retry).Build();
    }

    private sealed class RunState
    {
        public int Attempt { get; set; }

        public bool AuthRefreshUsed { get; set; }

        public DisconnectInfo? LastFailure { get; set; }

        public void Reset()
        {
            Attempt = 0;
            LastFailure = null;
        }
    }

    private readonly record struct RunResult(CloseReason? CloseReason, DisconnectInfo? Disconnect)
    {
        public static RunResult Closed(CloseReason reason, DisconnectInfo? info) => new(reason, info);

        public static RunResult Dropped(DisconnectInfo info) => new(null, info);
    }
}
