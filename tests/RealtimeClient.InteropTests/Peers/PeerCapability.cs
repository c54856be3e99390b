namespace RealtimeClient.InteropTests.Peers;

/// <summary>
/// What a scenario may need from a peer beyond the echo and the controls every peer has. A peer that lacks one says why
/// (<see cref="InteropPeer.Limitations"/>), so the matrix can mark the cell n/a with the reason.
/// </summary>
public enum PeerCapability
{
    /// <summary><c>ctl:abort</c> ends the TCP connection with an RST (otherwise: a plain FIN, still without a close frame).</summary>
    AbortWithReset,

    /// <summary>After <c>ctl:silence</c> the socket stays open as long as the client keeps it.</summary>
    SilentSocketStaysOpen,

    /// <summary>A wss:// endpoint with a certificate from the test run's private CA, and one with a self-signed certificate.</summary>
    Tls,

    /// <summary>A proxy in front of the server that cuts a socket on which the server sent nothing for a few seconds.</summary>
    ProxyReadTimeout,
}
