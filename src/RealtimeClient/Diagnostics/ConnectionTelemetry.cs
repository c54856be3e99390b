using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using static RealtimeClient.RealtimeTelemetry;

namespace RealtimeClient.Diagnostics;

/// <summary>
/// One connection's metrics and spans, on a meter shared by every connection made from the same
/// <see cref="IMeterFactory"/> (or the process-wide one). Every method is cheap when nothing listens: counters and
/// histograms check <c>Enabled</c> first, spans are created only for a listening source. Tags never hold an address
/// beyond host and port, a query string, a token or a header value.
/// </summary>
internal sealed class ConnectionTelemetry : IDisposable
{
    private static readonly Meter SharedMeter = new(MeterName, typeof(ConnectionTelemetry).Assembly.GetName().Version?.ToString());
    private static readonly ActivitySource Source = new(ActivitySourceName, typeof(ConnectionTelemetry).Assembly.GetName().Version?.ToString());

    private readonly Instruments _instruments;
    private readonly KeyValuePair<string, object?> _address;
    private readonly KeyValuePair<string, object?> _port;
    private readonly TimeProvider _time;
    private readonly bool _traceSends;
    private Func<Snapshot>? _snapshot;

    public ConnectionTelemetry(Uri? server, TimeProvider time, IMeterFactory? meterFactory, bool traceSends)
    {
        var meter = meterFactory?.Create(new MeterOptions(MeterName) { Version = SharedMeter.Version }) ?? SharedMeter;
        _instruments = Instruments.For(meter);
        _address = new(Tags.ServerAddress, server?.Host);
        _port = new(Tags.ServerPort, server?.Port);
        _time = time;
        _traceSends = traceSends;
    }

    /// <summary>A connection that publishes nothing (unit tests of single parts).</summary>
    public static ConnectionTelemetry None { get; } = new(null, TimeProvider.System, new DisabledMeterFactory(), traceSends: false);

    /// <summary>Starts publishing the observable instruments (state, queue) from <paramref name="snapshot"/>.</summary>
    public void Observe(Func<Snapshot> snapshot)
    {
        _snapshot = snapshot;
        _instruments.Register(this);
    }

    public void Dispose() => _instruments.Unregister(this);

    public void StateChanged(StateChange change)
    {
        if (change.Current == ConnectionState.Reconnecting && _instruments.Reconnects.Enabled)
        {
            _instruments.Reconnects.Add(1, _address, _port, new(Tags.ErrorType, change.Disconnect?.Kind.ToString()));
        }
    }

    /// <summary>A connect attempt begins: its span (when someone listens) and its start time.</summary>
    public Attempt StartAttempt(int attempt)
    {
        var activity = Source.HasListeners() ? Source.StartActivity("realtimeclient.connect", ActivityKind.Client) : null;
        if (activity is not null)
        {
            activity.SetTag(_address.Key, _address.Value);
            activity.SetTag(_port.Key, _port.Value);
            activity.SetTag(Tags.Attempt, attempt);
        }

        return new Attempt(activity, _time.GetTimestamp());
    }

    /// <summary>A connect attempt ended: connected (<paramref name="failure"/> null) or failed with its cause.</summary>
    public void EndAttempt(Attempt attempt, DisconnectInfo? failure)
    {
        var outcome = new KeyValuePair<string, object?>(Tags.AttemptOutcome, failure is null ? "success" : "failure");
        var error = new KeyValuePair<string, object?>(Tags.ErrorType, failure?.Kind.ToString());
        if (_instruments.ConnectAttempts.Enabled)
        {
            _instruments.ConnectAttempts.Add(1, _address, _port, outcome, error);
        }

        if (_instruments.ConnectDuration.Enabled)
        {
            _instruments.ConnectDuration.Record(_time.GetElapsedTime(attempt.Started).TotalSeconds, _address, _port, outcome, error);
        }

        if (attempt.Activity is { } activity)
        {
            activity.SetTag(outcome.Key, outcome.Value);
            if (failure is not null)
            {
                activity.SetTag(error.Key, error.Value);
                activity.SetStatus(ActivityStatusCode.Error, failure.Cause);
            }

            activity.Dispose();
        }
    }

    public void MessageSent(MessageKind kind, int bytes)
    {
        if (_instruments.MessagesSent.Enabled)
        {
            _instruments.MessagesSent.Add(1, _address, _port, KindTag(kind));
        }

        if (_instruments.BytesSent.Enabled)
        {
            _instruments.BytesSent.Add(bytes, _address, _port, KindTag(kind));
        }
    }

    public void MessageReceived(MessageKind kind, int bytes)
    {
        if (_instruments.MessagesReceived.Enabled)
        {
            _instruments.MessagesReceived.Add(1, _address, _port, KindTag(kind));
        }

        if (_instruments.BytesReceived.Enabled)
        {
            _instruments.BytesReceived.Add(bytes, _address, _port, KindTag(kind));
        }
    }

    public void MessageFailed(DeliveryFailureReason reason)
    {
        if (_instruments.MessagesFailed.Enabled)
        {
            _instruments.MessagesFailed.Add(1, _address, _port, new(Tags.FailureReason, reason.ToString()));
        }
    }

    /// <summary>An acknowledged message was acknowledged <paramref name="since"/> (a timestamp of the connection's clock) after it was queued.</summary>
    public void Acknowledged(long since)
    {
        if (_instruments.AckDuration.Enabled)
        {
            _instruments.AckDuration.Record(_time.GetElapsedTime(since).TotalSeconds, _address, _port);
        }
    }

    public void ErrorReported(ErrorKind kind)
    {
        if (_instruments.Errors.Enabled)
        {
            _instruments.Errors.Add(1, _address, _port, new(Tags.ErrorType, kind.ToString()));
        }
    }

    /// <summary>The span of an acknowledged send, when <see cref="TelemetryOptions.TraceAcknowledgedSends"/> is on and someone listens.</summary>
    public Activity? StartSend(string? messageId)
    {
        if (!_traceSends || !Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("realtimeclient.send", ActivityKind.Producer);
        activity?.SetTag(_address.Key, _address.Value);
        activity?.SetTag(_port.Key, _port.Value);
        activity?.SetTag(Tags.MessageId, messageId);
        return activity;
    }

    /// <summary>Ends a send's span when its outcome is known.</summary>
    public static async Task EndSendAsync(Activity activity, Task outcome)
    {
        try
        {
            await outcome.ConfigureAwait(false);
        }
        catch (MessageDeliveryException ex)
        {
            activity.SetTag(Tags.FailureReason, ex.Reason.ToString());
            activity.SetStatus(ActivityStatusCode.Error, ex.Reason.ToString());
        }
        finally
        {
            activity.Dispose();
        }
    }

    private static KeyValuePair<string, object?> KindTag(MessageKind kind) => new(Tags.MessageKind, kind == MessageKind.Text ? "text" : "binary");

    /// <summary>What the observable instruments read from a live connection.</summary>
    internal readonly record struct Snapshot(ConnectionState State, int QueueMessages, long QueueBytes, int Unacknowledged);

    /// <summary>A connect attempt in progress.</summary>
    internal readonly record struct Attempt(Activity? Activity, long Started);

    /// <summary>The instruments of one meter, shared by every connection that publishes on it.</summary>
    private sealed class Instruments
    {
        private static readonly ConditionalWeakTable<Meter, Instruments> PerMeter = [];
        private readonly Lock _gate = new();
        private readonly List<WeakReference<ConnectionTelemetry>> _live = [];

        private Instruments(Meter meter)
        {
            ConnectAttempts = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.ConnectAttempts, "{attempt}", "Connect attempts, by outcome and cause.");
            ConnectDuration = meter.CreateHistogram<double>(RealtimeTelemetry.Instruments.ConnectDuration, "s", "How long connect attempts took (handshake and on-connected hook).");
            Reconnects = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.Reconnects, "{reconnect}", "Transitions to Reconnecting, by cause.");
            MessagesSent = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.MessagesSent, "{message}", "Messages written to the socket.");
            MessagesReceived = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.MessagesReceived, "{message}", "Messages received.");
            BytesSent = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.BytesSent, "By", "Bytes of messages written.");
            BytesReceived = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.BytesReceived, "By", "Bytes of messages received.");
            MessagesFailed = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.MessagesFailed, "{message}", "Sends that failed, by reason.");
            AckDuration = meter.CreateHistogram<double>(RealtimeTelemetry.Instruments.AckDuration, "s", "From an acknowledged send to its acknowledgement.");
            Errors = meter.CreateCounter<long>(RealtimeTelemetry.Instruments.Errors, "{error}", "Problems reported on Errors, by kind.");
            meter.CreateObservableUpDownCounter(RealtimeTelemetry.Instruments.Connections, () => Observe(static (t, s) =>
                new Measurement<long>(1, t._address, t._port, new(Tags.ConnectionState, Lower(s.State)))), "{connection}", "Connections, by state.");
            meter.CreateObservableUpDownCounter(RealtimeTelemetry.Instruments.QueueMessages, () => Observe(static (t, s) =>
                new Measurement<long>(s.QueueMessages, t._address, t._port)), "{message}", "Messages waiting in the outbound queue.");
            meter.CreateObservableUpDownCounter(RealtimeTelemetry.Instruments.QueueBytes, () => Observe(static (t, s) =>
                new Measurement<long>(s.QueueBytes, t._address, t._port)), "By", "Bytes waiting in the outbound queue.");
            meter.CreateObservableUpDownCounter(RealtimeTelemetry.Instruments.Unacknowledged, () => Observe(static (t, s) =>
                new Measurement<long>(s.Unacknowledged, t._address, t._port)), "{message}", "Acknowledged messages written and not yet acknowledged.");
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
            }
        }

        public void Unregister(ConnectionTelemetry telemetry)
        {
            lock (_gate)
            {
                _live.RemoveAll(w => !w.TryGetTarget(out var t) || t == telemetry);
            }
        }

        private static string Lower(ConnectionState state) => state switch
        {
            ConnectionState.Disconnected => "disconnected",
            ConnectionState.Connecting => "connecting",
            ConnectionState.Connected => "connected",
            ConnectionState.Reconnecting => "reconnecting",
            _ => "closed",
        };

        private List<Measurement<long>> Observe(Func<ConnectionTelemetry, Snapshot, Measurement<long>> measure)
        {
            List<ConnectionTelemetry> live = [];
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
            }

            var measurements = new List<Measurement<long>>(live.Count);
            foreach (var telemetry in live)
            {
                if (telemetry._snapshot is { } snapshot)
                {
                    measurements.Add(measure(telemetry, snapshot()));
                }
            }

            return measurements;
        }
    }

    /// <summary>A meter factory whose meters nobody listens to (for <see cref="None"/>).</summary>
    private sealed class DisabledMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options.Name + ".Disabled");

        public void Dispose()
        {
        }
    }
}
