namespace RealtimeClient;

/// <summary>What went wrong, for an event on <see cref="RealtimeConnection.Errors"/>.</summary>
public enum ErrorKind
{
    /// <summary>A connection attempt failed (DNS, TCP, TLS, timeout).</summary>
    ConnectFailed = 0,

    /// <summary>The server refused the WebSocket handshake with an HTTP status.</summary>
    HandshakeRejected = 1,

    /// <summary>An established connection was lost (closed by the server, aborted, or failed).</summary>
    ConnectionLost = 2,

    /// <summary>Nothing arrived for the heartbeat timeout; the connection was declared dead.</summary>
    HeartbeatTimeout = 3,

    /// <summary>A text message was not valid UTF-8.</summary>
    InvalidUtf8 = 4,

    /// <summary>A message exceeded the maximum message size; the connection was closed with 1009.</summary>
    MessageTooLarge = 5,

    /// <summary>A message could not be decoded (malformed JSON, not an envelope, wrong shape for the subscribed type).</summary>
    DecodeFailed = 6,

    /// <summary>A subscriber threw; the subscriber keeps its subscription and nothing else is affected.</summary>
    SubscriberFailed = 7,

    /// <summary>The dispatch buffer was full and a message was dropped by the configured policy.</summary>
    DispatchOverflow = 8,

    /// <summary>The on-connected hook failed; the attempt counts as failed.</summary>
    OnConnectedFailed = 9,

    /// <summary>An outbound message was dropped or rejected by the queue's overflow policy.</summary>
    MessageDropped = 10,

    /// <summary>The token provider failed.</summary>
    TokenProviderFailed = 11,

    /// <summary>An unexpected internal failure; please report it.</summary>
    Internal = 12,
}
