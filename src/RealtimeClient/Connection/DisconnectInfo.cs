using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;

namespace RealtimeClient;

/// <summary>
/// How a connection or an attempt ended, with its cause: the input of the reconnect classification, carried by
/// <see cref="StateChange.Disconnect"/>. Apps can build one to unit-test their own reconnect policy. Never holds the
/// server address, its query string or a header value.
/// </summary>
/// <param name="Kind">What happened.</param>
public sealed record DisconnectInfo(DisconnectKind Kind)
{
    /// <summary>The close status the server sent (<see cref="DisconnectKind.ServerClosed"/>), or the one the client sent for its own close.</summary>
    public WebSocketCloseStatus? CloseStatus { get; init; }

    /// <summary>The close description the server sent, if any.</summary>
    public string? CloseDescription { get; init; }

    /// <summary>The HTTP status of a refused handshake (<see cref="DisconnectKind.HandshakeRejected"/>).</summary>
    public HttpStatusCode? HttpStatus { get; init; }

    /// <summary>The socket error behind a failed connect or a lost connection, such as <see cref="System.Net.Sockets.SocketError.ConnectionRefused"/> or <see cref="System.Net.Sockets.SocketError.HostNotFound"/>.</summary>
    public SocketError? SocketError { get; init; }

    /// <summary>What was wrong with the server's certificate (<see cref="DisconnectKind.CertificateRejected"/>).</summary>
    public SslPolicyErrors? CertificateErrors { get; init; }

    /// <summary>The chain problems behind <see cref="SslPolicyErrors.RemoteCertificateChainErrors"/>, such as <see cref="X509ChainStatusFlags.UntrustedRoot"/>.</summary>
    public X509ChainStatusFlags? CertificateChainStatus { get; init; }

    /// <summary>The exception behind the end, if any (its message never holds the address or a secret).</summary>
    public Exception? Exception { get; init; }

    /// <summary>The envelope type of a fatal message (<see cref="DisconnectKind.FatalMessage"/>).</summary>
    public string? MessageType { get; init; }

    /// <summary>How long the connection had been connected; zero for a failed attempt.</summary>
    public TimeSpan UpTime { get; init; }

    /// <summary>The cause in a few words, for a person: "connection refused", "HTTP 404 (NotFound)", "certificate: UntrustedRoot".</summary>
    public string Cause => Kind switch
    {
        DisconnectKind.ServerClosed => CloseStatus is { } status
            ? $"server closed with {((int)status).ToString(CultureInfo.InvariantCulture)}{(string.IsNullOrEmpty(CloseDescription) ? string.Empty : " " + CloseDescription)}"
            : "server closed without a status",
        DisconnectKind.HandshakeRejected => $"HTTP {((int?)HttpStatus)?.ToString(CultureInfo.InvariantCulture)} ({HttpStatus})",
        DisconnectKind.CertificateRejected => "certificate " + DescribeCertificate(),
        DisconnectKind.FatalMessage => MessageType is null ? "fatal message" : $"fatal message '{MessageType}'",
        DisconnectKind.ConnectTimeout => "connect timeout",
        DisconnectKind.HeartbeatTimeout => "heartbeat timeout",
        DisconnectKind.MessageTooLarge => "inbound message too large (closed with 1009)",
        DisconnectKind.InvalidMessage => "inbound text not valid UTF-8 (closed with 1007)",
        DisconnectKind.ReconnectRequested => "reconnect requested",
        DisconnectKind.ClosedByClient => "closed by the client",
        DisconnectKind.OutboxFailed => $"the outbox could not be opened: {Exception?.Message}",
        _ when SocketError is { } error => DescribeSocketError(error),
        _ when Exception is not null => $"{Kind}: {Exception.GetType().Name}: {Exception.Message}",
        _ => Kind.ToString(),
    };

    /// <inheritdoc />
    public override string ToString() => Cause;

    private static string DescribeSocketError(SocketError error) => error switch
    {
        System.Net.Sockets.SocketError.ConnectionRefused => "connection refused",
        System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.NoData => "host not found",
        System.Net.Sockets.SocketError.TryAgain => "host name lookup failed (try again)",
        System.Net.Sockets.SocketError.TimedOut => "connection timed out",
        System.Net.Sockets.SocketError.ConnectionReset => "connection reset",
        System.Net.Sockets.SocketError.NetworkUnreachable or System.Net.Sockets.SocketError.HostUnreachable => "network unreachable",
        _ => $"socket error {error}",
    };

    private string DescribeCertificate()
    {
        var parts = new List<string>();
        if (CertificateErrors is { } errors && errors != SslPolicyErrors.None)
        {
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                parts.Add("name mismatch");
            }

            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                parts.Add("not available");
            }

            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
            {
                parts.Add(CertificateChainStatus is { } chain && chain != X509ChainStatusFlags.NoError ? chain.ToString() : "chain errors");
            }
        }

        return parts.Count == 0 ? "rejected" : "rejected: " + string.Join(", ", parts);
    }

    /// <summary>
    /// The server closed because it would not take data the client sent (1009 too big, 1003 a kind it does not accept,
    /// 1007 data it cannot read): it stopped reading, and the message it refused is one of those written on the socket.
    /// </summary>
    internal bool ServerRefusedData =>
        Kind == DisconnectKind.ServerClosed
        && CloseStatus is WebSocketCloseStatus.MessageTooBig or WebSocketCloseStatus.InvalidMessageType or WebSocketCloseStatus.InvalidPayloadData;
}
