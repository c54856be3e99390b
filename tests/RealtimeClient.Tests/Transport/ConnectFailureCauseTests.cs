using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Transport;

/// <summary>
/// Issue 11, item 6: a failed connect keeps its cause (socket error, TLS failure, HTTP status) in the state change and the
/// logs, however deep the transport buried it, and never the address, its query string or a header value.
/// </summary>
public sealed class ConnectFailureCauseTests
{
    private const string Secret = "q-s3cr3t";
    private static readonly Uri Address = new($"ws://test.invalid/ws?key={Secret}");

    public static TheoryData<string, SocketError, string> SocketFailures => new()
    {
        { "refused, as ClientWebSocket reports it", SocketError.ConnectionRefused, "connection refused" },
        { "unknown host", SocketError.HostNotFound, "host not found" },
        { "reset", SocketError.ConnectionReset, "connection reset" },
        { "timed out", SocketError.TimedOut, "connection timed out" },
        { "unreachable", SocketError.NetworkUnreachable, "network unreachable" },
    };

    [Theory]
    [MemberData(nameof(SocketFailures))]
    public async Task A_socket_error_three_levels_deep_is_the_cause_of_the_failed_attempt(string what, SocketError error, string cause)
    {
        _ = what;
        var (closed, logs) = await FailFirstConnectAsync(uri => new WebSocketException(
            $"Unable to connect to the remote server {uri}",
            new HttpRequestException($"{error} ({uri.Host}:80) {uri}", new SocketException((int)error))));

        Assert.Equal(DisconnectKind.ConnectFailed, closed.Disconnect?.Kind);
        Assert.Equal(error, closed.Disconnect?.SocketError);
        Assert.Equal(cause, closed.Disconnect?.Cause);
        Assert.Equal($"Connecting failed: {cause}.", closed.Disconnect?.Exception?.Message);
        Assert.Contains(logs, r => r.Message == $"Attempt 1 failed: {cause}");
        AssertNoAddress(closed, logs);
    }

    [Fact]
    public async Task A_socket_error_inside_an_aggregate_is_found()
    {
        var (closed, logs) = await FailFirstConnectAsync(uri => new AggregateException(
            new InvalidOperationException($"first {uri}"),
            new IOException($"read {uri}", new SocketException((int)SocketError.ConnectionRefused))));

        Assert.Equal(SocketError.ConnectionRefused, closed.Disconnect?.SocketError);
        Assert.Equal("connection refused", closed.Disconnect?.Cause);
        AssertNoAddress(closed, logs);
    }

    [Fact]
    public async Task A_name_resolution_failure_reported_by_HTTP_is_a_host_not_found()
    {
        var (closed, logs) = await FailFirstConnectAsync(uri => new WebSocketException(
            "Unable to connect to the remote server",
            new HttpRequestException(HttpRequestError.NameResolutionError, $"Name or service not known ({uri})")));

        Assert.Equal(SocketError.HostNotFound, closed.Disconnect?.SocketError);
        Assert.Equal("host not found", closed.Disconnect?.Cause);
        AssertNoAddress(closed, logs);
    }

    [Fact]
    public async Task A_failure_without_a_socket_error_says_what_failed_without_the_transports_message()
    {
        var (closed, logs) = await FailFirstConnectAsync(uri => new InvalidOperationException($"proxy refused {uri}"));

        Assert.Null(closed.Disconnect?.SocketError);
        Assert.Equal("ConnectFailed: WebSocketException: Connecting failed: InvalidOperationException.", closed.Disconnect?.Cause);
        AssertNoAddress(closed, logs);
    }

    [Fact]
    public async Task A_refused_handshake_keeps_its_HTTP_status()
    {
        var (closed, logs) = await FailFirstConnectAsync(_ => new HandshakeRejectedException(HttpStatusCode.NotFound));

        Assert.Equal(DisconnectKind.HandshakeRejected, closed.Disconnect?.Kind);
        Assert.Equal(HttpStatusCode.NotFound, closed.Disconnect?.HttpStatus);
        Assert.Equal("HTTP 404 (NotFound)", closed.Disconnect?.Cause);
        Assert.Contains(logs, r => r.Message == "Attempt 1 failed: HTTP 404 (NotFound)");
        AssertNoAddress(closed, logs);
    }

    [Fact]
    public async Task A_rejected_certificate_keeps_its_policy_errors_and_chain_status()
    {
        var (closed, logs) = await FailFirstConnectAsync(_ => new CertificateRejectedException(
            SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch,
            X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.NotTimeValid));

        Assert.Equal(CloseReason.CertificateRejected, closed.CloseReason);
        Assert.Equal("certificate rejected: name mismatch, NotTimeValid, UntrustedRoot", closed.Disconnect?.Cause);
        Assert.Contains(logs, r => r.Message.StartsWith("Attempt 1 failed: certificate rejected", StringComparison.Ordinal));
        AssertNoAddress(closed, logs);
    }

    [Fact]
    public void The_cause_of_each_kind_reads_as_a_few_words()
    {
        Assert.Equal("server closed with 1001 going away", new DisconnectInfo(DisconnectKind.ServerClosed) { CloseStatus = WebSocketCloseStatus.EndpointUnavailable, CloseDescription = "going away" }.Cause);
        Assert.Equal("server closed without a status", new DisconnectInfo(DisconnectKind.ServerClosed).Cause);
        Assert.Equal("certificate rejected", new DisconnectInfo(DisconnectKind.CertificateRejected).Cause);
        Assert.Equal("certificate rejected: not available", new DisconnectInfo(DisconnectKind.CertificateRejected) { CertificateErrors = SslPolicyErrors.RemoteCertificateNotAvailable }.Cause);
        Assert.Equal("fatal message 'kicked'", new DisconnectInfo(DisconnectKind.FatalMessage) { MessageType = "kicked" }.Cause);
        Assert.Equal("inbound message too large (closed with 1009)", new DisconnectInfo(DisconnectKind.MessageTooLarge).Cause);
        Assert.Equal("inbound text not valid UTF-8 (closed with 1007)", new DisconnectInfo(DisconnectKind.InvalidMessage).Cause);
        Assert.Equal("connect timeout", new DisconnectInfo(DisconnectKind.ConnectTimeout).Cause);
        Assert.Equal("ConnectionLost", new DisconnectInfo(DisconnectKind.ConnectionLost).Cause);
        Assert.Equal("socket error AccessDenied", new DisconnectInfo(DisconnectKind.ConnectionLost) { SocketError = SocketError.AccessDenied }.Cause);
        Assert.Equal("server closed with 4001", new DisconnectInfo(DisconnectKind.ServerClosed) { CloseStatus = (WebSocketCloseStatus)4001 }.ToString());
    }

    private static async Task<(StateChange Closed, IReadOnlyList<FakeLogRecord> Logs)> FailFirstConnectAsync(Func<Uri, Exception> failure)
    {
        var collector = new FakeLogCollector();
        using var logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(collector)));
        await using var h = new Harness(o => o with { Uri = Address, Reconnect = o.Reconnect with { RetryFirstConnect = false } }, logging);
        h.Server.DefaultHandshake = Handshake.Run((request, _) => throw failure(request.Uri));

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.StartAsync().Safe());

        var closed = await h.States.FirstAsync(s => s.Current == ConnectionState.Closed);
        Assert.Same(closed.Disconnect, ex.Disconnect);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
        return (closed, collector.GetSnapshot());
    }

    private static void AssertNoAddress(StateChange closed, IReadOnlyList<FakeLogRecord> logs)
    {
        var texts = new List<string> { closed.ToString(), closed.Disconnect?.Cause ?? string.Empty, closed.Disconnect?.Exception?.ToString() ?? string.Empty };
        texts.AddRange(logs.Select(r => $"{r.Message} {r.Exception} {string.Join(",", r.StructuredState?.Select(p => p.Value) ?? [])}"));
        foreach (var text in texts)
        {
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain("/ws", text, StringComparison.Ordinal);
        }
    }
}
