namespace RealtimeClient;

/// <summary>Why a connection reached <see cref="ConnectionState.Closed"/>.</summary>
public enum CloseReason
{
    /// <summary>The app called <see cref="RealtimeConnection.StopAsync(CancellationToken)"/> or cancelled the start.</summary>
    Stopped = 0,

    /// <summary>The app disposed the connection.</summary>
    Disposed = 1,

    /// <summary>The server closed with a status that means retrying cannot help (1008 and the configured fatal codes).</summary>
    FatalCloseStatus = 2,

    /// <summary>The server sent a message the options declare fatal (for example the chat protocol's <c>kicked</c>).</summary>
    FatalMessage = 3,

    /// <summary>The handshake was refused with 401 or 403 even after the token provider was asked for a fresh token.</summary>
    AuthenticationFailed = 4,

    /// <summary>The configured maximum number of consecutive failed attempts was reached.</summary>
    AttemptsExhausted = 5,

    /// <summary>The on-connected hook threw <see cref="FatalConnectionException"/>.</summary>
    OnConnectedFatal = 6,

    /// <summary>The first connection failed and <see cref="ReconnectOptions.RetryFirstConnect"/> is off, or the reconnect classifier declined to retry.</summary>
    NotRetried = 7,
}
