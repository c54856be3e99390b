using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using ConsoleChat.Client;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>Issue 16: the one function that turns how a connection ended into a cause and a hint (no sockets).</summary>
public sealed class ConnectionProblemsTests
{
    private static readonly Uri Local = new("ws://127.0.0.1:8080/ws");

    // The shape ClientWebSocket gives: WebSocketException, then HttpRequestException, then the SocketException.
    private static Exception Chain(Exception cause, HttpRequestError error = HttpRequestError.ConnectionError) =>
        new WebSocketException(WebSocketError.Faulted, "Unable to connect to the remote server", new HttpRequestException(error, "failed", cause));

    [Fact]
    public void A_refused_connection_names_the_address_and_the_serve_command()
    {
        var problem = ConnectionProblems.Describe(new DisconnectInfo(DisconnectKind.ConnectFailed) { Exception = Chain(new SocketException((int)SocketError.ConnectionRefused)) }, Local);

        Assert.Equal("nothing listens on 127.0.0.1:8080; start a server with --serve 8080", problem.Text);
    }

    [Fact]
    public void An_unknown_host_says_so()
    {
        var url = new Uri("ws://chat.invalid:9000/ws");
        var byResolver = ConnectionProblems.Describe(new DisconnectInfo(DisconnectKind.ConnectFailed) { Exception = Chain(new SocketException((int)SocketError.HostNotFound), HttpRequestError.NameResolutionError) }, url);
        var byHttp = ConnectionProblems.Describe(new DisconnectInfo(DisconnectKind.ConnectFailed) { Exception = Chain(new IOException("x"), HttpRequestError.NameResolutionError) }, url);

        Assert.Equal("unknown host chat.invalid; check the host name in --url", byResolver.Text);
        Assert.Equal(byResolver, byHttp);
    }

    [Fact]
    public void An_untrusted_certificate_says_so()
    {
        var problem = ConnectionProblems.Describe(
            new DisconnectInfo(DisconnectKind.ConnectFailed) { Exception = Chain(new AuthenticationException("The remote certificate is invalid"), HttpRequestError.SecureConnectionError) },
            new Uri("wss://chat.example:443/ws"));

        Assert.StartsWith("the server's certificate is not trusted", problem.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "the server refused the WebSocket handshake with HTTP 404; is the path /ws? (this URL asks for /chat)")]
    [InlineData(HttpStatusCode.Unauthorized, "the server refused the token (HTTP 401); try another --token")]
    [InlineData(HttpStatusCode.BadRequest, "the server refused the WebSocket handshake with HTTP 400; is this a WebSocket endpoint? the chat's is ws://HOST:PORT/ws")]
    public void A_refused_handshake_names_the_status_and_a_hint(HttpStatusCode status, string expected)
    {
        var problem = ConnectionProblems.Describe(new DisconnectInfo(DisconnectKind.HandshakeRejected) { HttpStatus = status }, new Uri("ws://127.0.0.1:8080/chat"));

        Assert.Equal(expected, problem.Text);
    }

    [Fact]
    public void Without_a_cause_a_local_address_still_gets_the_serve_hint()
    {
        // What the library reports today: the socket error is not in the chain.
        var today = new WebSocketException(WebSocketError.Faulted, "Connecting failed: WebSocketException.", new IOException("HttpRequestException: connect failed"));

        var problem = ConnectionProblems.Describe(new DisconnectInfo(DisconnectKind.ConnectFailed) { Exception = today }, Local);

        Assert.Equal("cannot connect to 127.0.0.1:8080; is a server listening there? start a server with --serve 8080", problem.Text);
    }

    [Fact]
    public void A_close_1009_says_a_message_was_too_big()
    {
        var problem = ConnectionProblems.Describe(new DisconnectInfo(DisconnectKind.ServerClosed) { CloseStatus = WebSocketCloseStatus.MessageTooBig, CloseDescription = "message too big" }, Local);

        Assert.Equal("the server closed the connection: a message was too big for it (1009 message too big)", problem.Text);
    }
}
