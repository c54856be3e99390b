namespace RealtimeClient;

/// <summary>Everything one connection attempt needs: the address and the per-attempt handshake values.</summary>
public sealed class WebSocketConnectRequest
{
    /// <summary>Creates a request for <paramref name="uri"/>.</summary>
    /// <param name="uri">The server address (<c>ws://</c> or <c>wss://</c>), including the token in the query string when so configured.</param>
    /// <param name="headers">The request headers for this attempt (including the token header when so configured).</param>
    /// <param name="subProtocols">The subprotocols to offer, in order of preference.</param>
    /// <param name="attempt">The 1-based attempt number since the last successful connection.</param>
    public WebSocketConnectRequest(Uri uri, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> subProtocols, int attempt)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(subProtocols);
        Uri = uri;
        Headers = headers;
        SubProtocols = subProtocols;
        Attempt = attempt;
    }

    /// <summary>The server address. May carry a secret in its query string: never log it.</summary>
    public Uri Uri { get; }

    /// <summary>The request headers. Values may be secrets: never log them.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The subprotocols to offer.</summary>
    public IReadOnlyList<string> SubProtocols { get; }

    /// <summary>The 1-based attempt number since the last successful connection.</summary>
    public int Attempt { get; }
}
