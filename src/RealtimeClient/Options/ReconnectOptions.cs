namespace RealtimeClient;

/// <summary>How the connection comes back after an attempt fails or a connection drops.</summary>
public sealed record ReconnectOptions
{
    /// <summary>Whether to reconnect at all (default: <see langword="true"/>). Off: the first loss closes the connection.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// The base of the default backoff (default: 1 s). See <see cref="DefaultReconnectPolicy"/> for the formula: exponential
    /// from this value, capped by <see cref="MaxDelay"/>, with jitter.
    /// </summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts of the default policy (default: 30 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many consecutive attempts the default policy makes before the connection closes for good with
    /// <see cref="CloseReason.AttemptsExhausted"/> (default: <see langword="null"/>, unlimited).
    /// </summary>
    public int? MaxAttempts { get; init; }

    /// <summary>
    /// How long a connection must stay up for the backoff to start again from the beginning (default: 10 s). A connection
    /// that drops sooner (flapping) counts as a failed attempt and keeps backing off.
    /// </summary>
    public TimeSpan MinimumUptime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the connect step of one attempt (the token provider, the socket handshake and the on-connected hook) may take
    /// (default: 10 s), also when one of them ignores its cancellation token.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether a first connection that fails is retried like any other (default: <see langword="true"/>), so messages sent
    /// before the server is up are delivered once it arrives. Off: the first failure closes with <see cref="CloseReason.NotRetried"/>.
    /// </summary>
    public bool RetryFirstConnect { get; init; } = true;

    /// <summary>
    /// Close codes from the server that mean retrying cannot help: the connection closes for good with
    /// <see cref="CloseReason.FatalCloseStatus"/> (default: <c>[1008]</c>, policy violation). Codes in
    /// <see cref="AuthenticationOptions.RefreshTokenOnCloseStatuses"/> are handled first when a token provider is set.
    /// </summary>
    public IReadOnlyList<int> FatalCloseStatuses { get; init; } = [1008];

    /// <summary>
    /// Whether a server certificate that fails validation is retried (default: <see langword="false"/>: the connection
    /// closes for good with <see cref="CloseReason.CertificateRejected"/> and the certificate errors as the cause, because
    /// retrying the same certificate cannot succeed).
    /// </summary>
    public bool RetryCertificateErrors { get; init; }

    /// <summary>
    /// Whether a backoff wait is cut short when the operating system reports that the network became available again
    /// (default: <see langword="true"/>).
    /// </summary>
    public bool RetryWhenNetworkReturns { get; init; } = true;

    /// <summary>
    /// Decides, once per attempt, how long to wait before it or whether to stop (default: <see langword="null"/>, a
    /// <see cref="DefaultReconnectPolicy"/> built from these options). It is asked only for ends that are worth retrying:
    /// fatal close codes, fatal messages, refused certificates and failed authentication close the connection first.
    /// </summary>
    public IReconnectPolicy? Policy { get; init; }
}
