using System.Net;
using System.Net.WebSockets;

namespace RealtimeClient;

/// <summary>
/// The default <see cref="IWebSocketConnector"/>: a new <see cref="ClientWebSocket"/> for every attempt, with the
/// attempt's headers and subprotocols and this connector's transport settings applied.
/// </summary>
public sealed class ClientWebSocketConnector : IWebSocketConnector
{
    private readonly ClientWebSocketConnectorOptions _options;

    /// <summary>Creates a connector.</summary>
    /// <param name="options">Transport settings; <see langword="null"/> uses the defaults of <see cref="ClientWebSocketConnectorOptions"/>.</param>
    public ClientWebSocketConnector(ClientWebSocketConnectorOptions? options = null)
    {
        _options = options ?? new ClientWebSocketConnectorOptions();
    }

    /// <inheritdoc />
    public async ValueTask<WebSocket> ConnectAsync(WebSocketConnectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var socket = new ClientWebSocket();
        try
        {
            var o = socket.Options;
            o.CollectHttpResponseDetails = true;
            o.KeepAliveInterval = _options.KeepAliveInterval;
            if (_options.KeepAliveTimeout is { } keepAliveTimeout)
            {
                o.KeepAliveTimeout = keepAliveTimeout;
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
            await socket.ConnectAsync(request.Uri, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (WebSocketException ex) when (socket.HttpStatusCode != 0 && socket.HttpStatusCode != HttpStatusCode.SwitchingProtocols)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            // The transport's message can echo the request URI (and so a token in its query string): keep it out.
            throw new HandshakeRejectedException(status, new WebSocketException(ex.WebSocketErrorCode, "The WebSocket handshake failed."));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            socket.Dispose();
            throw new WebSocketException(WebSocketError.Faulted, $"Connecting failed: {ex.GetType().Name}.", Sanitize(ex));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // Exceptions from the handshake may quote the URI; keep the type and inner chain but not a message that could hold secrets.
    private static IOException? Sanitize(Exception ex) =>
        ex.InnerException is { } inner ? new IOException(inner.GetType().Name + ": " + (inner is System.Net.Sockets.SocketException se ? se.SocketErrorCode.ToString() : "connect failed")) : null;
}

/// <summary>Transport settings of <see cref="ClientWebSocketConnector"/>, applied to every attempt.</summary>
public sealed class ClientWebSocketConnectorOptions
{
    /// <summary>
    /// The interval of protocol-level keep-alive frames (default: 15 s; <see cref="TimeSpan.Zero"/> turns them off).
    /// With <see cref="KeepAliveTimeout"/> set, these are pings that must be answered with pongs.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long to wait for the pong to a protocol ping before the socket is aborted (default: <see langword="null"/>,
    /// unsolicited pongs only, no timeout). The library's own heartbeat timeout detects dead connections regardless.
    /// </summary>
    public TimeSpan? KeepAliveTimeout { get; init; }

    /// <summary>Per-message deflate to offer to the server (default: <see langword="null"/>, not offered).</summary>
    public WebSocketDeflateOptions? Deflate { get; init; }

    /// <summary>
    /// Called on every attempt's <see cref="ClientWebSocketOptions"/> after the other settings, for anything else
    /// (proxy, client certificates, remote certificate validation) (default: <see langword="null"/>).
    /// </summary>
    public Action<ClientWebSocketOptions>? Configure { get; init; }
}
