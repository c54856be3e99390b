namespace RealtimeClient;

/// <summary>Everything one connection attempt needs: the address and the per-attempt handshake values.</summary>
/// <param name="Uri">The server address (<c>ws://</c> or <c>wss://</c>), including the token in the query string when so configured. Never log it.</param>
/// <param name="Headers">The request headers for this attempt (including the token header when so configured). Values may be secrets: never log them.</param>
/// <param name="SubProtocols">The subprotocols to offer, in order of preference.</param>
/// <param name="Attempt">The 1-based attempt number since the last connection that stayed up.</param>
public sealed record WebSocketConnectRequest(Uri Uri, IReadOnlyDictionary<string, string> Headers, IReadOnlyList<string> SubProtocols, int Attempt)
{
    /// <inheritdoc />
    public override string ToString() => $"WebSocketConnectRequest(host {Uri.Host}, attempt {Attempt})";
}
