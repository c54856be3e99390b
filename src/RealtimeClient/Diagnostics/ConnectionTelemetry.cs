using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using static RealtimeClient.RealtimeTelemetry;

namespace RealtimeClient.Diagnostics;

/// <summary>
/// One connection's metrics and spans. The instruments live on a meter shared by every connection made with the same
/// <see cref="IMeterFactory"/> (or on the process-wide one) and are created once per meter; each connection adds its
/// measurements with the tags of the server it is attempting or connected to. Every method is one check of
/// <c>Enabled</c> (or of the source's listeners) when nothing listens: no tag is built, nothing allocated, no lock taken.
/// Tags never hold more of the address than host and port: no path, query string, token or header value.
/// </summary>
/// <remarks>
/// Each method has one caller, where its event happens (see docs/architecture.md, "Telemetry"). Measurements are made
/// before the event becomes visible to the app (a send's outcome, a state change), so a test that saw the event sees
/// its measurement.
/// </remarks>
internal sealed class ConnectionTelemetry : IDisposable
{
    private static readonly string? Version = typeof(ConnectionTelemetry).Assembly.GetName().Version?.ToString();
    private static readonly Meter SharedMeter = new(MeterName, Version);
    private static readonly ActivitySource Source = new(ActivitySourceName, Version);

    private readonly Instruments _instruments;
    private readonly Server[] _servers;
    private readonly TimeProvider _time;
    private readonly bool _traceSends;
    private Server _server;
    private Func<Snapshot>? _snapshot;

    /// <summary>Publishes on the meter of <paramref name="meterFactory"/>, or on the process-wide meter without one.</summary>
    /// <param name="servers">The connection's server addresses, in the order attempts use them.</param>
    /// <param name="time">The connection's clock: durations are measured on it.</param>
    /// <param name="meterFactory">The app's meter factory (from its container), or <see langword="null"/>.</param>
    /// <param name="options">The telemetry options.</param>
    public ConnectionTelemetry(IReadOnlyList<Uri> servers, TimeProvider time, IMeterFactory? meterFactory, TelemetryOptions options)
        : this(servers, time, meterFactory?.Create(new MeterOptions(MeterName) { Version = Version }) ?? SharedMeter, options.TraceAcknowledgedSends)
    {
    }

    private ConnectionTelemetry(IReadOnlyList<Uri> servers, TimeProvider time, Meter meter, bool traceSends)
    {
        _instruments = Instruments.For(meter);
        _servers = [.. servers.Select(uri => new Server(uri.Host, uri.Port))];
        _server = _servers.Length > 0 ? _servers[0] : new Server(string.Empty, 0);
        _time = time;
        _traceSends = traceSends;
    }

    /// <summary>Publishes nothing, ever (parts built on their own in unit tests and benchmarks): its meter is disposed.</summary>
    public static ConnectionTelemetry None { get; } = CreateNone();

    /// <summary>Whether acknowledged sends get a span now: the option is on and someone listens to the source.</summary>
    public bool TracesSends => _traceSends && Source.HasListeners();

    private Server Current => Volatile.Read(ref _server);

    /// <summary>Starts publishing the observable instruments (state, queue) from <paramref name="snapshot"/>, read at each collection.</summary>
    public void Observe(Func<Snapshot> snapshot)
    {
        _snapshot = snapshot;
        _instruments.Register(this);
    }

    /// <summary>The connection is disposed: the observable instruments no longer count it.</summary>
    public void Dispose() => _instruments.Unregister(this);

    /// <summary>A state change was published: entering Reconnecting (from another state) is a reconnect, by cause.</summary>
    public void StateChanged(StateChange change)
    {
        if (change.Current == ConnectionState.Reconnecting && change.Previous != ConnectionState.Reconnecting && _instruments.Reconnects.Enabled)
        {
            var server = Current;
            _instruments.Reconnects.Add(1, server.AddressTag, server.PortTag, ErrorTag(change.Disconnect?.Kind));
        }
    }

    /// <summary>
    /// A connect attempt to <paramref name="server"/> begins (before the token provider and the connector): its start
    /// time and, when someone listens, its span. The span is a root span and is not made current: an attempt belongs to
    /// the connection, not to whatever the app was doing when it started it.
    /// </summary>
    public Attempt StartAttempt(int attempt, Uri server)
    {
        var tags = Find(server);
        Volatile.Write(ref _server, tags);
        Activity? activity = null;
        if (Source.HasListeners())
        {
            var caller = Activity.Current;
            Activity.Current = null;
            activity = Source.StartActivity(Activities.Connect, ActivityKind.Client);
            Activity.Current = caller;
            if (activity is not null)
            {
                activity.SetTag(Tags.ServerAddress, tags.Host);
                activity.SetTag(Tags.ServerPort, tags.Port);
                activity.SetTag(Tags.Attempt, attempt);
            }
        }

        return new Attempt(activity, _time.GetTimestamp(), tags);
    }

    /// <summary>The attempt connected (the socket open and the on-connected hook done).</summary>
    public void AttemptSucceeded(in Attempt attempt) => EndAttempt(attempt, "success", null);

    /// <summary>The attempt failed with <paramref name="failure"/>.</summary>
    public void AttemptFailed(in Attempt attempt, DisconnectInfo failure) => EndAttempt(attempt, "failure", failure);

    /// <summary>The app stopped or disposed the connection during the attempt.</summary>
    public void AttemptCancelled(in Attempt attempt) => EndAttempt(attempt, "cancelled", null);

    /// <summary>A data message was written to the socket.</summary>
    public void MessageSent(MessageKind kind, int bytes)
    {
        if (_instruments.MessagesSent.Enabled)
        {
            var server = Current;
            _instruments.MessagesSent.Add(1, server.AddressTag, server.PortTag, KindTag(kind));
        }

        if (_instruments.BytesSent.Enabled)
        {
            var server = Current;
            _instruments.BytesSent.Add(bytes, server.AddressTag, server.PortTag, KindTag(kind));
        }
    }

    /// <summary>A complete data message arrived.</summary>
    public void MessageReceived(MessageKind kind, int bytes)
    {
        if (_instruments.MessagesReceived.Enabled)
        {
            var server = Current;
            _instruments.MessagesReceived.Add(1, server.AddressTag, server.PortTag, KindTag(kind));
        }

        if (_instruments.BytesReceived.Enabled)
        {
            var server = Current;
            _instruments.BytesReceived.Add(bytes, server.AddressTag, server.PortTag, KindTag(kind));
        }
    }

    /// <summary>A send (or a request's message, or its refusal) failed with <paramref name="reason"/>.</summary>
    public void MessageFailed(DeliveryFailureReason reason)
    {
        if (_instruments.MessagesFailed.Enabled)
        {
            var server = Current;
            _instruments.MessagesFailed.Add(1, server.AddressTag, server.PortTag, new(Tags.FailureReason, TagValues.Of(reason)));
        }
    }

    /// <summary>An acknowledged message was acknowledged; <paramref name="writeStarted"/> is when its last write began (a timestamp of the connection's clock).</summary>
    public void Acknowledged(long writeStarted)
    {
        if (_instruments.AckDuration.Enabled)
        {
            var server = Current;
            _instruments.AckDuration.Record(_time.GetElapsedTime(writeStarted).TotalSeconds, server.AddressTag, server.PortTag);
        }
    }

    /// <summary>A problem was reported on <see cref="RealtimeConnection.Errors"/>.</summary>
    public void ErrorReported(ErrorKind kind)
    {
        if (_instruments.Errors.Enabled)
        {
            var server = Current;
            _instruments.Errors.Add(1, server.AddressTag, server.PortTag, new(Tags.ErrorType, TagValues.Of(kind)));
        }
    }

    /// <summary>
    /// The span of an acknowledged send (<see cref="TelemetryOptions.TraceAcknowledgedSends"/>, checked by the caller
    /// with <see cref="TracesSends"/>): a child of the caller's current activity, not made current itself (the caller's
    /// next statements are not part of it). Null when the listeners do not sample it.
    /// </summary>
    public Activity? StartSend(string? messageId)
    {
        var caller = Activity.Current;
        var activity = Source.StartActivity(Activities.Send, ActivityKind.Producer);
        if (activity is null)
        {
            return null;
        }

        Activity.Current = caller;
        var server = Current;
        activity.SetTag(Tags.ServerAddress, server.Host);
        activity.SetTag(Tags.ServerPort, server.Port);
        activity.SetTag(Tags.MessageId, messageId);
        return activity;
    }

    /// <summary>Ends a send's span when its outcome is known (acknowledged, or failed with its reason).</summary>
    public static async ValueTask EndSendAsync(Activity activity, ValueTask outcome)
    {
        try
        {
            await outcome.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            EndSend(activity, ex);
            throw;
        }

        EndSend(activity, null);
    }

    /// <inheritdoc cref="EndSendAsync(Activity, ValueTask)"/>
    public static Task EndSendAsync(Activity activity, Task outcome) => EndSendAsync(activity, new ValueTask(outcome)).AsTask();

    /// <summary>Ends a send's span: failed with <paramref name="failure"/> (error.type: the failure reason, or the exception's type), or acknowledged.</summary>
    public static void EndSend(Activity activity, Exception? failure)
    {
        if (failure is not null)
        {
            var type = failure is MessageDeliveryException delivery ? TagValues.Of(delivery.Reason) : failure.GetType().FullName;
            activity.SetTag(Tags.ErrorType, type);
            activity.SetStatus(ActivityStatusCode.Error, type);
        }

        Stop(activity);
    }

    private static ConnectionTelemetry CreateNone()
    {
        // The instruments are created, then their meter disposed: they are never enabled, whoever listens.
        var meter = new Meter(MeterName + ".None");
        var none = new ConnectionTelemetry([], TimeProvider.System, meter, traceSends: false);
        meter.Dispose();
        return none;
    }

    private static KeyValuePair<string, object?> KindTag(MessageKind kind) => new(Tags.MessageKind, TagValues.Of(kind));

    private static KeyValuePair<string, object?> ErrorTag(DisconnectKind? kind) => new(Tags.ErrorType, kind is { } k ? TagValues.Of(k) : null);

    /// <summary>Stops <paramref name="activity"/> without changing the current activity of the caller (Stop restores the one current at its start).</summary>
    private static void Stop(Activity activity)
    {
        var current = Activity.Current;
        activity.Stop();
        if (!ReferenceEquals(Activity.Current, current))
        {
            Activity.Current = current;
        }
    }

    private Server Find(Uri uri)
    {
        foreach (var server in _servers)
        {
            if (server.Port == uri.Port && string.Equals(server.Host, uri.Host, StringComparison.Ordinal))
            {
                return server;
            }
        }

        return new Server(uri.Host, uri.Port);
    }

    private void EndAttempt(in Attempt attempt, string outcome, DisconnectInfo? failure)
    {
        var server = attempt.Server;
        var outcomeTag = new KeyValuePair<string, object?>(Tags.AttemptOutcome, outcome);
        var errorTag = ErrorTag(failure?.Kind);
        if (_instruments.ConnectAttempts.Enabled)
        {
            _instruments.ConnectAttempts.Add(1, server.AddressTag, server.PortTag, outcomeTag, errorTag);
        }

        if (_instruments.ConnectDuration.Enabled)
        {
            _instruments.ConnectDuration.Record(_time.GetElapsedTime(attempt.Started).TotalSeconds, server.AddressTag, server.PortTag, outcomeTag, errorTag);
        }

        if (attempt.Activity is { } activity)
        {
            activity.SetTag(outcomeTag.Key, outcome);
            if (failure is not null)
            {
                activity.SetTag(errorTag.Key, errorTag.Value);
                activity.SetStatus(ActivityStatusCode.Error, (string?)errorTag.Value);
            }

            Stop(activity);
        }
    }

    /// <summary>What the observable instruments read from a live connection, at each collection.</summary>
    internal readonly record struct Snapshot(ConnectionState State, int QueueMessages, long QueueBytes, int Unacknowledged);

    /// <summary>A connect attempt in progress: its span (if any), its start on the connection's clock, its server.</summary>
    internal readonly record struct Attempt(Activity? Activity, long Started, Server Server);

    /// <summary>The tags of one server address, built once (the port boxed once).</summary>
    internal sealed class Server(string host, int port)
    {
        public string Host { get; } = host;

        public int Port { get; } = port;

        public KeyValuePair<string, object?> AddressTag { get; } = new(Tags.ServerAddress, host);

        public KeyValuePair<string, object?> PortTag { get; } = new(Tags.ServerPort, port);

        public (string Host, int Port) Key => (Host, Port);
    }

    /// <summary>
    /// The instruments of one meter, shared by every connection that publishes on it, and the observable instruments'
    /// view of those connections. Observations are summed per server (host and port): an exporter keeps one value per
    /// tag set, so two connections to the same server must be one measurement, not two that overwrite each other. A
    /// server seen once keeps being reported (as zero once no connection uses it), so its last value does not linger.
    /// </summary>
    private sealed class Instruments
    {
        // Connect and acknowledgement times in seconds: the default buckets are made for milliseconds.
        private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];
        private static readonly ConnectionState[] States = Enum.GetValues<ConnectionState>();
        private static readonly ConditionalWeakTable<Meter, Instruments> PerMeter = [];

        private readonly Lock _gate = new();
        private readonly List<WeakReference<ConnectionTelemetry>> _live = [];
        private readonly Dictionary<(string Host, int Port), Server> _seen = [];

        private Instruments(Meter meter)
        {
            var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets };
            ConnectAttempts = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.ConnectAttempts, "{attempt}", "Connect attempts, by outcome and cause.");
            ConnectDuration = meter.CreateHistogram(RealtimeTelemetry.Instruments.ConnectDuration, "s", "How long connect attempts took, from before the token provider to connected (on-connected hook included) or failed.", tags: null, advice: seconds);
            Reconnects = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.Reconnects, "{reconnect}", "Times the connection entered Reconnecting, by cause.");
            MessagesSent = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.MessagesSent, "{message}", "Data messages written to the socket.");
            MessagesReceived = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.MessagesReceived, "{message}", "Complete data messages received.");
            BytesSent = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.BytesSent, "By", "Bytes of the data messages written.");
            BytesReceived = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.BytesReceived, "By", "Bytes of the data messages received.");
            MessagesFailed = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.MessagesFailed, "{message}", "Sends that failed, by reason.");
            AckDuration = meter.CreateHistogram(RealtimeTelemetry.Instruments.AckDuration, "s", "From the write of an acknowledged message to its acknowledgement.", tags: null, advice: seconds);
            Errors = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.Errors, "{error}", "Problems reported on Errors, by kind.");
            meter.CreateObservableUpDownCounter(RealtimeTelemetry.Instruments.Connections, ObserveStates, "{connection}", "Connections, by state.");
            meter.CreateObservableUpDownCounter(RealtimeTelemetry.Instruments.QueueMessages, () => ObserveSums(static s => s.QueueMessages), "{message}", "Messages waiting in the outbound queue (the one being written included).");
            meter.CreateObservableUpDownCounter(RealtimeTelemetry.Instruments.QueueBytes, () => ObserveSums(static s => s.QueueBytes), "By", "Bytes of the messages waiting in the outbound queue.");
            meter.CreateObservableUpDownCounter(RealtimeTelemetry.Instruments.Unacknowledged, () => ObserveSums(static s => s.Unacknowledged), "{message}", "Acknowledged messages written and not yet acknowledged.");
        }

        public Counter<long> ConnectAttempts { get; }

        public Histogram<double> ConnectDuration { get; }

        public Counter<long> Reconnects { get; }

        public Counter<long> MessagesSent { get; }

        public Counter<long> MessagesReceived { get; }

        public Counter<long> BytesSent { get; }

        public Counter<long> BytesReceived { get; }

        public Counter<long> MessagesFailed { get; }

        public Histogram<double> AckDuration { get; }

        public Counter<long> Errors { get; }

        public static Instruments For(Meter meter) => PerMeter.GetValue(meter, static m => new Instruments(m));

        public void Register(ConnectionTelemetry telemetry)
        {
            lock (_gate)
            {
                _live.Add(new WeakReference<ConnectionTelemetry>(telemetry));
                foreach (var server in telemetry._servers)
                {
                    _seen.TryAdd(server.Key, server);
                }
            }
        }

        public void Unregister(ConnectionTelemetry telemetry)
        {
            lock (_gate)
            {
                _live.RemoveAll(w => !w.TryGetTarget(out var t) || t == telemetry);
            }
        }

        private List<Measurement<long>> ObserveStates()
        {
            var (live, seen) = Collect();
            var counts = new Dictionary<(string Host, int Port), long[]>();
            foreach (var server in seen)
            {
                counts[server.Key] = new long[States.Length];
            }

            foreach (var (server, snapshot) in live)
            {
                if (!counts.TryGetValue(server.Key, out var perState))
                {
                    counts[server.Key] = perState = new long[States.Length];
                    seen.Add(server);
                }

                perState[(int)snapshot.State]++;
            }

            var measurements = new List<Measurement<long>>(seen.Count * States.Length);
            foreach (var server in seen)
            {
                var perState = counts[server.Key];
                foreach (var state in States)
                {
                    measurements.Add(new Measurement<long>(perState[(int)state], server.AddressTag, server.PortTag, new(Tags.ConnectionState, TagValues.Of(state))));
                }
            }

            return measurements;
        }

        private List<Measurement<long>> ObserveSums(Func<Snapshot, long> value)
        {
            var (live, seen) = Collect();
            var sums = new Dictionary<(string Host, int Port), long>();
            foreach (var server in seen)
            {
                sums[server.Key] = 0;
            }

            foreach (var (server, snapshot) in live)
            {
                if (!sums.ContainsKey(server.Key))
                {
                    seen.Add(server);
                }

                sums[server.Key] = sums.GetValueOrDefault(server.Key) + value(snapshot);
            }

            var measurements = new List<Measurement<long>>(seen.Count);
            foreach (var server in seen)
            {
                measurements.Add(new Measurement<long>(sums[server.Key], server.AddressTag, server.PortTag));
            }

            return measurements;
        }

        /// <summary>The live connections' snapshots with their current server, and every server seen on this meter.</summary>
        private (List<(Server Server, Snapshot Snapshot)> Live, List<Server> Seen) Collect()
        {
            List<ConnectionTelemetry> live = [];
            List<Server> seen;
            lock (_gate)
            {
                _live.RemoveAll(w => !w.TryGetTarget(out _));
                foreach (var weak in _live)
                {
                    if (weak.TryGetTarget(out var telemetry))
                    {
                        live.Add(telemetry);
                    }
                }

                seen = [.. _seen.Values];
            }

            // Read outside the lock: a snapshot takes the connection's own locks.
            var snapshots = new List<(Server, Snapshot)>(live.Count);
            foreach (var telemetry in live)
            {
                if (telemetry._snapshot is { } snapshot)
                {
                    snapshots.Add((telemetry.Current, snapshot()));
                }
            }

            return (snapshots, seen);
        }
    }
}
