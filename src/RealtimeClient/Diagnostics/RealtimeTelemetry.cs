namespace RealtimeClient;

/// <summary>
/// The names under which RealtimeClient publishes its metrics and traces, for OpenTelemetry and other listeners:
/// <c>builder.WithMetrics(m =&gt; m.AddMeter(RealtimeTelemetry.MeterName))</c> and
/// <c>builder.WithTracing(t =&gt; t.AddSource(RealtimeTelemetry.ActivitySourceName))</c>. The meter is created through the
/// <see cref="System.Diagnostics.Metrics.IMeterFactory"/> given to the connection (the container's, with
/// RealtimeClient.Hosting), else it is one process-wide meter. Every instrument is tagged with <c>server.address</c> (the
/// host) and <c>server.port</c> of the server the connection is attempting or connected to; no tag ever holds a path, a
/// query string, a token or a header value. Enum values are tagged in lower snake case (<c>queue_full</c>).
/// </summary>
public static class RealtimeTelemetry
{
    /// <summary>The name of the meter: <c>RealtimeClient</c>.</summary>
    public const string MeterName = "RealtimeClient";

    /// <summary>The name of the activity source: <c>RealtimeClient</c>.</summary>
    public const string ActivitySourceName = "RealtimeClient";

    /// <summary>Instrument names (OpenTelemetry naming: dotted lower case, UCUM units).</summary>
    public static class Instruments
    {
        /// <summary>
        /// Connections by state (observable UpDownCounter, <c>{connection}</c>; tag <c>realtimeclient.connection.state</c>:
        /// disconnected, connecting, connected, reconnecting, closed). A connection counts 1 in its state until it is
        /// disposed; every state is reported, 0 when no connection is in it.
        /// </summary>
        public const string Connections = "realtimeclient.connections";

        /// <summary>
        /// Connect attempts (Counter, <c>{attempt}</c>; tags <c>realtimeclient.attempt.outcome</c>: success, failure, or
        /// cancelled by a stop or dispose; <c>error.type</c>: the <see cref="DisconnectKind"/> of a failure, such as
        /// handshake_rejected or connect_timeout). An attempt starts before the token provider and ends when connected (the
        /// on-connected hook done) or failed.
        /// </summary>
        public const string ConnectAttempts = "realtimeclient.connect.attempts";

        /// <summary>How long connect attempts took (Histogram, <c>s</c>, on the connection's <see cref="TimeProvider"/>; the tags of <see cref="ConnectAttempts"/>).</summary>
        public const string ConnectDuration = "realtimeclient.connect.duration";

        /// <summary>
        /// Reconnects (Counter, <c>{reconnect}</c>; tag <c>error.type</c>: the <see cref="DisconnectKind"/> that caused it): each
        /// time the connection enters <see cref="ConnectionState.Reconnecting"/> from another state (a lost connection, a
        /// first connect that failed and is retried, <see cref="RealtimeConnection.ReconnectAsync"/>). The retries that follow
        /// are counted by <see cref="ConnectAttempts"/>.
        /// </summary>
        public const string Reconnects = "realtimeclient.reconnects";

        /// <summary>
        /// Data messages written to the socket (Counter, <c>{message}</c>; tag <c>realtimeclient.message.kind</c>: text or
        /// binary): queued and direct sends, volatile sends, requests, messages the on-connected hook writes, and the
        /// application heartbeat message (<see cref="HeartbeatOptions.Message"/>), each time it is written (a resend counts
        /// again). Protocol pings and pongs and close frames are not counted.
        /// </summary>
        public const string MessagesSent = "realtimeclient.messages.sent";

        /// <summary>
        /// Complete data messages received (Counter, <c>{message}</c>; tag <c>realtimeclient.message.kind</c>), counted as they
        /// arrive, before de-duplication and dispatch: acknowledgements, refusals and replies included.
        /// </summary>
        public const string MessagesReceived = "realtimeclient.messages.received";

        /// <summary>Bytes of the data messages counted by <see cref="MessagesSent"/> (Counter, <c>By</c>; tag <c>realtimeclient.message.kind</c>).</summary>
        public const string BytesSent = "realtimeclient.bytes.sent";

        /// <summary>Bytes of the data messages counted by <see cref="MessagesReceived"/> (Counter, <c>By</c>; tag <c>realtimeclient.message.kind</c>).</summary>
        public const string BytesReceived = "realtimeclient.bytes.received";

        /// <summary>
        /// Sends that failed (Counter, <c>{message}</c>; tag <c>realtimeclient.failure.reason</c>: the
        /// <see cref="DeliveryFailureReason"/>, such as dropped, expired, rejected, queue_full, not_connected). Every send
        /// whose outcome is a <see cref="MessageDeliveryException"/> counts once, as does a request the server refused.
        /// </summary>
        public const string MessagesFailed = "realtimeclient.messages.failed";

        /// <summary>Messages waiting in the outbound queue, the one being written included (observable UpDownCounter, <c>{message}</c>).</summary>
        public const string QueueMessages = "realtimeclient.queue.messages";

        /// <summary>Bytes of the messages waiting in the outbound queue (observable UpDownCounter, <c>By</c>).</summary>
        public const string QueueBytes = "realtimeclient.queue.bytes";

        /// <summary>Acknowledged messages written and not yet acknowledged (observable UpDownCounter, <c>{message}</c>).</summary>
        public const string Unacknowledged = "realtimeclient.messages.unacknowledged";

        /// <summary>
        /// From the start of an acknowledged message's write (its last write, for a resend) to its acknowledgement
        /// (Histogram, <c>s</c>, on the connection's <see cref="TimeProvider"/>): the server's acknowledgement latency, without
        /// the time the message waited in the queue.
        /// </summary>
        public const string AckDuration = "realtimeclient.ack.duration";

        /// <summary>Problems reported on <see cref="RealtimeConnection.Errors"/> (Counter, <c>{error}</c>; tag <c>error.type</c>: the <see cref="ErrorKind"/>, such as decode_failed, subscriber_failed, message_dropped).</summary>
        public const string Errors = "realtimeclient.errors";
    }

    /// <summary>Span (activity) names.</summary>
    public static class Activities
    {
        /// <summary>
        /// One connect attempt (kind Client; a root span: a reconnect is not part of what the app was doing when it started
        /// the connection). Tags: <c>server.address</c>, <c>server.port</c>, <c>realtimeclient.attempt</c>,
        /// <c>realtimeclient.attempt.outcome</c>, and for a failure <c>error.type</c> with the status Error.
        /// </summary>
        public const string Connect = "realtimeclient.connect";

        /// <summary>
        /// One acknowledged send, from the send call to its acknowledgement or failure (kind Producer; a child of the caller's
        /// current activity), only with <see cref="TelemetryOptions.TraceAcknowledgedSends"/>. Tags: <c>server.address</c>,
        /// <c>server.port</c>, <c>realtimeclient.message.id</c>, and for a failure <c>error.type</c> (the failure reason)
        /// with the status Error.
        /// </summary>
        public const string Send = "realtimeclient.send";
    }

    /// <summary>Tag names.</summary>
    public static class Tags
    {
        /// <summary>The server's host name (never the path, query string or user info).</summary>
        public const string ServerAddress = "server.address";

        /// <summary>The server's port.</summary>
        public const string ServerPort = "server.port";

        /// <summary>The connection state: disconnected, connecting, connected, reconnecting, closed.</summary>
        public const string ConnectionState = "realtimeclient.connection.state";

        /// <summary>How a connect attempt ended: success, failure, cancelled.</summary>
        public const string AttemptOutcome = "realtimeclient.attempt.outcome";

        /// <summary>The 1-based attempt number (spans only).</summary>
        public const string Attempt = "realtimeclient.attempt";

        /// <summary>text or binary.</summary>
        public const string MessageKind = "realtimeclient.message.kind";

        /// <summary>The <see cref="DeliveryFailureReason"/> of a failed send, in lower snake case.</summary>
        public const string FailureReason = "realtimeclient.failure.reason";

        /// <summary>The message id of an acknowledged send (spans only).</summary>
        public const string MessageId = "realtimeclient.message.id";

        /// <summary>What went wrong, in lower snake case: a <see cref="DisconnectKind"/>, an <see cref="ErrorKind"/>, or on a send span the failure reason.</summary>
        public const string ErrorType = "error.type";
    }
}
