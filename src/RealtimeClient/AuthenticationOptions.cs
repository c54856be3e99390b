namespace RealtimeClient;

/// <summary>Where the token from <see cref="AuthenticationOptions.TokenProvider"/> goes in the handshake.</summary>
public enum TokenPlacement
{
    /// <summary>In a request header: <see cref="AuthenticationOptions.HeaderName"/> with <see cref="AuthenticationOptions.HeaderValuePrefix"/>.</summary>
    Header = 0,

    /// <summary>In the query string, as <see cref="AuthenticationOptions.QueryParameterName"/>.</summary>
    QueryString = 1,
}

/// <summary>Per-attempt authentication of the WebSocket handshake.</summary>
public sealed class AuthenticationOptions
{
    /// <summary>
    /// Called before every attempt for the token to send (default: <see langword="null"/>, no token). Returning
    /// <see langword="null"/> sends none. After a handshake refused with 401 or 403 it is asked once more; a second refusal
    /// closes the connection for good. Tokens are never logged.
    /// </summary>
    public Func<CancellationToken, ValueTask<string?>>? TokenProvider { get; init; }

    /// <summary>Where the token goes (default: <see cref="TokenPlacement.Header"/>).</summary>
    public TokenPlacement Placement { get; init; } = TokenPlacement.Header;

    /// <summary>The header for <see cref="TokenPlacement.Header"/> (default: <c>Authorization</c>).</summary>
    public string HeaderName { get; init; } = "Authorization";

    /// <summary>What precedes the token in the header (default: <c>"Bearer "</c>).</summary>
    public string HeaderValuePrefix { get; init; } = "Bearer ";

    /// <summary>The query parameter for <see cref="TokenPlacement.QueryString"/> (default: <c>access_token</c>).</summary>
    public string QueryParameterName { get; init; } = "access_token";
}
