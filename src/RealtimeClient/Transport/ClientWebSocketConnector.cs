using System.Net;
using System.Net.WebSockets;
using RealtimeClient.Transport;

namespace RealtimeClient;

/// <summary>
/// The default <see cref="IWebSocketConnector"/>: a new <see cref="ClientWebSocket"/> for every attempt, with the
/// attempt's headers and subprotocols and this connector's transport settings. A refused handshake becomes
/// <see cref="HandshakeRejectedException"/>, a rejected server certificate <see cref="CertificateRejectedException"/> (with
/// the policy errors and chain status, also when <see cref="TransportOptions.Configure"/> installs its own validation
/// callback), and anything else a <see cref="WebSocketException"/> whose message says the cause (such as "connection
/// refused") and never the address.
/// </summary>
public sealed class ClientWebSocketConnector : IWebSocketConnector
{
    private readonly TransportOptions _options;

    /// <summary>Creates a connector.</summary>
    /// <param name="options">
    /// Transport settings; <see langword="null"/> uses <see cref="TransportOptions"/> defaults. Keep-alive values left
    /// <see langword="null"/> keep .NET's own defaults here (a <see cref="RealtimeConnection"/> fills them in from its heartbeat).
    /// </param>
    public ClientWebSocketConnector(TransportOptions? options = null)
    {
        _options = options ?? new TransportOptions();
    }

    /// <inheritdoc />
    public async ValueTask<WebSocket> ConnectAsync(WebSocketConnectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var socket = new ClientWebSocket();
        var certificate = new CertificateCheck();
        try
        {
            var o = socket.Options;
            o.CollectHttpResponseDetails = true;
            if (_options.KeepAliveInterval is { } interval)
            {
                o.KeepAliveInterval = interval;
            }

            if (_options.KeepAliveTimeout is { } timeout && o.KeepAliveInterval > TimeSpan.Zero)
            {
                o.KeepAliveTimeout = timeout;
            }

            if (_options.Deflate is { } deflate)
            {
                o.DangerousDeflateOptions = deflate;
            }

            foreach (var header in request.Headers)
            {
                o.SetRequestHeader(header.Key, header.Value);
            }

            foreach (var subProtocol in request.SubProtocols)
            {
                o.AddSubProtocol(subProtocol);
            }

            _options.Configure?.Invoke(o);
            if (string.Equals(request.Uri.Scheme, "wss", StringComparison.OrdinalIgnoreCase))
            {
                // After Configure, so the app's own callback (pinning, a private CA) still decides; this only records why.
                certificate.Observe(o);
            }

            await socket.ConnectAsync(request.Uri, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            if (status != 0 && status != HttpStatusCode.SwitchingProtocols)
            {
                // The transport's message can echo the request URI (and so a token in its query string): keep it out.
                throw new HandshakeRejectedException(status);
            }

            if (certificate.Rejected)
            {
                throw new CertificateRejectedException(certificate.Errors, certificate.ChainStatus);
            }

            throw TransportFailure.SanitizeConnectFailure(ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
