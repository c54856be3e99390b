namespace RealtimeClient.Transport;

/// <summary>
/// Builds the handshake of one attempt: the configured headers and subprotocols, and the token from the token provider
/// in its configured place (a header, or the query string). The token is never logged.
/// </summary>
internal sealed class HandshakeRequestBuilder(RealtimeOptions options)
{
    private readonly AuthenticationOptions _auth = options.Authentication;

    /// <summary>Whether a token provider is configured (a refused token can then be refreshed).</summary>
    public bool HasTokenProvider => _auth.TokenProvider is not null;

    /// <summary>The request for <paramref name="uri"/>; a provider that throws surfaces as <see cref="TokenProviderFailedException"/>.</summary>
    public async ValueTask<WebSocketConnectRequest> BuildAsync(Uri uri, TokenRequest tokenRequest, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(options.Headers, StringComparer.OrdinalIgnoreCase);
        if (_auth.TokenProvider is { } provider)
        {
            string? token;
            try
            {
                // WaitAsync: a provider that ignores its token is still bounded by the connect timeout (and a stop).
                token = await provider(tokenRequest, cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw new TokenProviderFailedException(ex);
            }

            if (token is not null)
            {
                if (_auth.Placement == TokenPlacement.Header)
                {
                    headers[_auth.HeaderName] = _auth.HeaderValuePrefix + token;
                }
                else
                {
                    var builder = new UriBuilder(uri);
                    var pair = Uri.EscapeDataString(_auth.QueryParameterName) + "=" + Uri.EscapeDataString(token);
                    builder.Query = string.IsNullOrEmpty(builder.Query) ? pair : builder.Query.TrimStart('?') + "&" + pair;
                    uri = builder.Uri;
                }
            }
        }

        return new WebSocketConnectRequest(uri, headers, options.SubProtocols, tokenRequest.Attempt);
    }
}

/// <summary>The token provider threw; the attempt fails with <see cref="DisconnectKind.TokenProviderFailed"/> and is retried with backoff.</summary>
internal sealed class TokenProviderFailedException(Exception inner) : Exception("The token provider failed: " + inner.GetType().Name + ".", inner);
