using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using RealtimeClient;
using RealtimeClient.Outbox;

namespace ConsoleChat.Client;

/// <summary>What went wrong with the connection, in the user's words, and what to do about it.</summary>
internal sealed record ConnectionProblem(string Cause, string? Hint = null)
{
    /// <summary>The cause and the hint on one line.</summary>
    public string Text => Hint is null ? Cause : $"{Cause}; {Hint}";
}

/// <summary>
/// The one place that turns how a connection ended into a cause and a hint ("nothing listens on 127.0.0.1:8080; start a
/// server with --serve 8080"). The cause of a failed connect is looked for in the exception chain (a socket error, a name
/// resolution or TLS failure); when the library does not carry it, the hint says what is most likely and how to check.
/// </summary>
internal static class ConnectionProblems
{
    public static ConnectionProblem Describe(DisconnectInfo end, Uri url)
    {
        ArgumentNullException.ThrowIfNull(end);
        ArgumentNullException.ThrowIfNull(url);
        var where = $"{url.Host}:{url.Port}";
        return end.Kind switch
        {
            DisconnectKind.HandshakeRejected => Handshake(end.HttpStatus, url),
            DisconnectKind.ConnectTimeout => new($"no answer from {where} within the connect timeout", "is the address right, and is the server up?"),
            DisconnectKind.ConnectFailed => ConnectFailed(end, url),
            DisconnectKind.CertificateRejected => new($"the server's certificate is not trusted ({end.Cause})", "use a certificate this machine trusts, or ws:// for a local server"),
            DisconnectKind.ServerClosed => Closed(end.CloseStatus, end.CloseDescription),
            DisconnectKind.ConnectionLost => new("the connection was lost", "reconnecting"),
            DisconnectKind.HeartbeatTimeout => new("nothing was heard from the server within the heartbeat timeout", "reconnecting"),
            DisconnectKind.MessageTooLarge => new("a message from the server was larger than this client accepts"),
            DisconnectKind.OnConnectedFailed => new("authentication did not complete", "is this a chat server (see docs/protocol.md)?"),
            DisconnectKind.FatalMessage => new($"the server sent '{end.MessageType}'"),
            DisconnectKind.OutboxFailed => Outbox(end.Exception),
            _ => new("the connection was replaced"),
        };
    }

    private static ConnectionProblem Outbox(Exception? exception)
    {
        if (exception is not OutboxStoreException store)
        {
            return new($"the outbox could not be opened: {exception?.Message}");
        }

        var cause = store.Message.TrimEnd('.');
        return store.Reason switch
        {
            OutboxFailure.Locked => new(cause, "another chat (or program) has this --outbox file open: one chat per file"),
            OutboxFailure.Corrupt => new(cause, "move the file aside (keep it: its lines can be read with sqlite3) or give another --outbox path"),
            OutboxFailure.DiskFull => new(cause, "free some disk space"),
            _ => new(cause, "is the --outbox path in a folder this user can write to?"),
        };
    }

    private static ConnectionProblem Handshake(HttpStatusCode? status, Uri url)
    {
        var cause = $"the server refused the WebSocket handshake with HTTP {(int?)status}";
        return status switch
        {
            HttpStatusCode.NotFound => new(cause, $"is the path /ws? (this URL asks for {url.AbsolutePath})"),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new($"the server refused the token (HTTP {(int)status})", "try another --token"),
            HttpStatusCode.BadRequest => new(cause, "is this a WebSocket endpoint? the chat's is ws://HOST:PORT/ws"),
            HttpStatusCode.ServiceUnavailable => new(cause, "the server is busy or shutting down; trying again"),
            _ => new(cause),
        };
    }

    private static ConnectionProblem ConnectFailed(DisconnectInfo end, Uri url)
    {
        var where = $"{url.Host}:{url.Port}";
        var local = IsLoopback(url);
        var serveHint = local ? $"start a server with --serve {url.Port}" : "is the server running, and is the port right?";

        // The library names the socket error of a failed connect; a custom connector's exception chain may too.
        var cause = end.SocketError is { } error ? new SocketException((int)error) : FindCause(end.Exception);
        switch (cause)
        {
            case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                return new($"nothing listens on {where}", serveHint);
            case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
            case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }:
                return new($"unknown host {url.Host}", "check the host name in --url");
            case SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.NetworkDown } socket:
                return new($"{where} cannot be reached ({socket.SocketErrorCode})", "check the network and the address in --url");
            case AuthenticationException:
            case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError }:
                return new("the server's certificate is not trusted (the TLS handshake failed)", "use a certificate this machine trusts, or ws:// for a local server");
            case SocketException socket:
                return new($"cannot connect to {where} ({socket.SocketErrorCode})", serveHint);
            default:
                // No socket error and no TLS failure: say what is most likely.
                return url.Scheme == "wss"
                    ? new($"cannot connect to {where}", $"nothing listening, an unknown host, or a certificate this machine does not trust? {serveHint}")
                    : new($"cannot connect to {where}", local ? $"is a server listening there? {serveHint}" : "is the host name right, and is a server listening on that port?");
        }
    }

    private static ConnectionProblem Closed(WebSocketCloseStatus? status, string? description)
    {
        var code = $"{(int?)status} {description}".TrimEnd();
        return status switch
        {
            WebSocketCloseStatus.MessageTooBig => new($"the server closed the connection: a message was too big for it ({code})"),
            WebSocketCloseStatus.EndpointUnavailable => new($"the server went away ({code})", "reconnecting"),
            _ => new($"the server closed the connection ({code})"),
        };
    }

    /// <summary>The innermost exception that names a cause: a socket error, a TLS failure, or an HTTP request error.</summary>
    private static Exception? FindCause(Exception? exception)
    {
        Exception? found = null;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException or AuthenticationException
                || e is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError })
            {
                found = e;
            }
        }

        return found;
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host, out var address) && IPAddress.IsLoopback(address));
}
