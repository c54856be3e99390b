namespace RealtimeClient;

/// <summary>
/// The names under which RealtimeClient publishes its metrics and traces, for OpenTelemetry and other listeners:
/// <c>builder.WithMetrics(m =&gt; m.AddMeter(RealtimeTelemetry.MeterName))</c> and
/// <c>builder.WithTracing(t =&gt; t.AddSource(RealtimeTelemetry.ActivitySourceName))</c>. No tag ever holds an address,
/// a query string, a token or a header value: the host and port are tagged as <c>server.address</c> and <c>server.port</c>.
/// </summary>
public static class RealtimeTelemetry
{
    /// <summary>The name of the meter (and of the activity source): <c>RealtimeClient</c>.</summary>
    public const string MeterName = "RealtimeClient";

    /// <summary>The name of the activity source: <c>RealtimeClient</c>.</summary>
    public const string ActivitySourceName = "RealtimeClient";

    /// <summary>Instrument names, units and tags (OpenTelemetry naming: dotted lower case, UCUM units).</summary>
    public static class Instruments
    {
        /// <summary>Connections by state (UpDownCounter, <c>{connection}</c>; tag <c>realtimeclient.connection.state</c>).</summary>
        public const string Connections = "realtimeclient.connections";

        /// <summary>Connect attempts (Counter, <c>{attempt}</c>; tags <c>realtimeclient.attempt.outcome</c> = success or failure, <c>error.type</c> = the <see cref="DisconnectKind"/> of a failure).</summary>
        public const string ConnectAttempts = "realtimeclient.connect.attempts";

        /// <summary>How long connect attempts took, socket handshake plus on-connected hook (Histogram, <c>s</c>; same tags).</summary>
        public const string ConnectDuration = "realtimeclient.connect.duration";

        /// <summary>Reconnects: transitions to Reconnecting (Counter, <c>{reconnect}</c>; tag <c>error.type</c> = the <see cref="DisconnectKind"/>).</summary>
        public const string Reconnects = "realtimeclient.reconnects";

        /// <summary>Messages written to the socket (Counter, <c>{message}</c>; tag <c>realtimeclient.message.kind</c> = text or binary).</summary>
        public const string MessagesSent = "realtimeclient.messages.sent";

        /// <summary>Complete messages received (Counter, <c>{message}</c>; tag <c>realtimeclient.message.kind</c>).</summary>
        public const string MessagesReceived = "realtimeclient.messages.received";

        /// <summary>Bytes of messages written (Counter, <c>By</c>).</summary>
        public const string BytesSent = "realtimeclient.bytes.sent";

        /// <summary>Bytes of messages received (Counter, <c>By</c>).</summary>
        public const string BytesReceived = "realtimeclient.bytes.received";

        /// <summary>Sends that failed (Counter, <c>{message}</c>; tag <c>realtimeclient.failure.reason</c> = the <see cref="DeliveryFailureReason"/>: Dropped, Expired, Rejected, ...).</summary>
        public const string MessagesFailed = "realtimeclient.messages.failed";

        /// <summary>Messages waiting in the outbound queue (UpDownCounter, <c>{message}</c>).</summary>
        public const string QueueMessages = "realtimeclient.queue.messages";

        /// <summary>Bytes waiting in the outbound queue (UpDownCounter, <c>By</c>).</summary>
        public const string QueueBytes = "realtimeclient.queue.bytes";

        /// <summary>Acknowledged messages written and not yet acknowledged (UpDownCounter, <c>{message}</c>).</summary>
        public const string Unacknowledged = "realtimeclient.messages.unacknowledged";

        /// <summary>From an acknowledged send to its acknowledgement (Histogram, <c>s</c>).</summary>
        public const string AckDuration = "realtimeclient.ack.duration";

        /// <summary>Problems reported on <see cref="RealtimeConnection.Errors"/> (Counter, <c>{error}</c>; tag <c>error.type</c> = the <see cref="ErrorKind"/>: DecodeFailed, SubscriberFailed, ...).</summary>
        public const string Errors = "realtimeclient.errors";
    }

    /// <summary>Tag names.</summary>
    public static class Tags
    {
        /// <summary>The server's host name (never the path, query string or user info).</summary>
        public const string ServerAddress = "server.address";

        /// <summary>The server's port.</summary>
        public const string ServerPort = "server.port";

        /// <summary>The connection state, lower case.</summary>
        public const string ConnectionState = "realtimeclient.connection.state";

        /// <summary>success or failure.</summary>
        public const string AttemptOutcome = "realtimeclient.attempt.outcome";

        /// <summary>The 1-based attempt number (spans only).</summary>
        public const string Attempt = "realtimeclient.attempt";

        /// <summary>text or binary.</summary>
        public const string MessageKind = "realtimeclient.message.kind";

        /// <summary>The <see cref="DeliveryFailureReason"/> of a failed send.</summary>
        public const string FailureReason = "realtimeclient.failure.reason";

        /// <summary>The message id of an acknowledged send (spans only).</summary>
        public const string MessageId = "realtimeclient.message.id";

        /// <summary>What went wrong: a <see cref="DisconnectKind"/> or an <see cref="ErrorKind"/>.</summary>
        public const string ErrorType = "error.type";
    }
}
