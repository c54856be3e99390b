namespace RealtimeClient;

/// <summary>Why a connection reached <see cref="ConnectionState.Closed"/>.</summary>
public enum CloseReason
{
    /// <summary>The app called <see cref="RealtimeConnection.StopAsync"/> or cancelled the start.</summary>
    Stopped = 0,

    /// <summary>The app disposed the connection.</summary>
    Disposed = 1,

    /// <summary>The server closed with a code in <see cref="ReconnectOptions.FatalCloseStatuses"/> (1008 by default).</summary>
    FatalCloseStatus = 2,

    /// <summary>The server sent a message the options declare fatal (for example the chat protocol's <c>kicked</c>).</summary>
    FatalMessage = 3,

    /// <summary>The server refused the token again (401/403, or a token-expired close code) right after it was refreshed, or there is no token provider to refresh it.</summary>
    AuthenticationFailed = 4,

    /// <summary>The reconnect policy stopped retrying (for the default policy: <see cref="ReconnectOptions.MaxAttempts"/> reached).</summary>
    AttemptsExhausted = 5,

    /// <summary>The on-connected hook threw <see cref="FatalConnectionException"/>.</summary>
    OnConnectedFatal = 6,

    /// <summary>Reconnecting is off (<see cref="ReconnectOptions.Enabled"/>), or the first connection failed and <see cref="ReconnectOptions.RetryFirstConnect"/> is off.</summary>
    NotRetried = 7,

    /// <summary>The server's certificate failed validation and <see cref="ReconnectOptions.RetryCertificateErrors"/> is off.</summary>
    CertificateRejected = 8,

    /// <summary>The <see cref="RealtimeOptions.Outbox"/> could not be opened at start (see the <see cref="StateChange.Disconnect"/> exception).</summary>
    OutboxFailed = 9,
}
