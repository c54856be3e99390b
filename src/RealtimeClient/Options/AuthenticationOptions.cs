namespace RealtimeClient;

/// <summary>Where the token from <see cref="AuthenticationOptions.TokenProvider"/> goes in the handshake.</summary>
public enum TokenPlacement
{
    /// <summary>In a request header: <see cref="AuthenticationOptions.HeaderName"/> with <see cref="AuthenticationOptions.HeaderValuePrefix"/>.</summary>
    Header = 0,

    /// <summary>In the query string, as <see cref="AuthenticationOptions.QueryParameterName"/>. Never logged.</summary>
    QueryString = 1,
}

/// <summary>Per-attempt authentication of the WebSocket handshake.</summary>
public sealed record AuthenticationOptions
{
    /// <summary>
    /// Called before every attempt for the token to send (default: <see langword="null"/>, no token). The
    /// <see cref="TokenRequest"/> says why it is called: the first connect, a reconnect, or because the server refused the
    /// previous token (a 401/403 handshake, or a close with one of <see cref="RefreshTokenOnCloseStatuses"/>), in which case
    /// a caching provider must return a fresh token. Returning <see langword="null"/> sends none. A provider that throws
    /// fails the attempt, which is retried with backoff. Tokens are never logged.
    /// </summary>
    public Func<TokenRequest, CancellationToken, ValueTask<string?>>? TokenProvider { get; init; }

    /// <summary>Where the token goes (default: <see cref="TokenPlacement.Header"/>).</summary>
    public TokenPlacement Placement { get; init; } = TokenPlacement.Header;

    /// <summary>The header for <see cref="TokenPlacement.Header"/> (default: <c>Authorization</c>).</summary>
    public string HeaderName { get; init; } = "Authorization";

    /// <summary>What precedes the token in the header (default: <c>"Bearer "</c>).</summary>
    public string HeaderValuePrefix { get; init; } = "Bearer ";

    /// <summary>The query parameter for <see cref="TokenPlacement.QueryString"/> (default: <c>access_token</c>).</summary>
    public string QueryParameterName { get; init; } = "access_token";

    /// <summary>
    /// Close codes that mean "the token expired: refresh and retry" when a <see cref="TokenProvider"/> is set (default:
    /// <c>[1008]</c>; add your server's own, such as 4001 or 4401). The provider is asked for a fresh token and the
    /// connection retries with backoff; refused again before the connection stayed up for
    /// <see cref="ReconnectOptions.MinimumUptime"/>, it closes for good with <see cref="CloseReason.AuthenticationFailed"/>.
    /// </summary>
    public IReadOnlyList<int> RefreshTokenOnCloseStatuses { get; init; } = [1008];
}
