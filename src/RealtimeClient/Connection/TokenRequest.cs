namespace RealtimeClient;

/// <summary>Why the token provider is asked for a token.</summary>
public enum TokenRequestReason
{
    /// <summary>The first attempt after a start.</summary>
    FirstConnect = 0,

    /// <summary>A later attempt; the previous token was not refused (a cached token is fine).</summary>
    Reconnect = 1,

    /// <summary>The server refused the previous token (see <see cref="TokenRequest.Refusal"/>): return a fresh one.</summary>
    TokenRefused = 2,
}

/// <summary>What <see cref="AuthenticationOptions.TokenProvider"/> is told on each call.</summary>
/// <param name="Reason">Why it is called.</param>
/// <param name="Attempt">The 1-based number of the attempt the token is for.</param>
public sealed record TokenRequest(TokenRequestReason Reason, int Attempt)
{
    /// <summary>For <see cref="TokenRequestReason.TokenRefused"/>: how the server refused it (a 401/403 handshake or a close code).</summary>
    public DisconnectInfo? Refusal { get; init; }
}
