using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>How each way a connection or attempt ends is classified end to end: retried, or closed for good with which reason.</summary>
public sealed class ClassificationTests
{
    private const int Abort = 1006;

    [Theory]
    [InlineData(1008, null, true)]
    [InlineData(4009, new[] { 4009 }, true)]
    [InlineData(4001, new[] { 1008, 4001 }, true)]
    [InlineData(1000, null, false)]
    [InlineData(1001, null, false)]
    [InlineData(1011, null, false)]
    [InlineData(1012, null, false)]
    [InlineData(1013, null, false)]
    [InlineData(4009, null, false)]
    [InlineData(1000, new[] { 4009 }, false)]
    [InlineData(1008, new int[0], false)]
    [InlineData(Abort, null, false)]
    public async Task Each_close_code_is_classified_as_documented(int code, int[]? fatalStatuses, bool fatal)
    {
        await using var h = new Harness(o => fatalStatuses is null ? o : o with { Reconnect = o.Reconnect with { FatalCloseStatuses = fatalStatuses } });
        var server = await h.StartAndAcceptAsync();

        if (code == Abort)
        {
            server.Abort();
        }
        else
        {
            await server.CloseAsync(code, "bye").Safe();
        }

        var next = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        if (fatal)
        {
            Assert.Equal(ConnectionState.Closed, next.Current);
            Assert.Equal(CloseReason.FatalCloseStatus, next.CloseReason);
            Assert.Equal(DisconnectKind.ServerClosed, next.Disconnect?.Kind);
            Assert.Equal((WebSocketCloseStatus)code, next.Disconnect?.CloseStatus);
            Assert.Equal("bye", next.Disconnect?.CloseDescription);
            h.Clock.Advance(TimeSpan.FromMinutes(5));
            Assert.Single(h.Server.Requests);
            return;
        }

        Assert.Equal(ConnectionState.Reconnecting, next.Current);
        if (code == Abort)
        {
            Assert.Equal(DisconnectKind.ConnectionLost, next.Disconnect?.Kind);
        }
        else
        {
            Assert.Equal(DisconnectKind.ServerClosed, next.Disconnect?.Kind);
            Assert.Equal((WebSocketCloseStatus)code, next.Disconnect?.CloseStatus);
        }

        // And it really comes back.
        await h.AdvanceByRetryDelayAsync(next);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Handshake_401_with_a_token_provider_retries_once_with_a_fresh_token_then_closes()
    {
        var requests = new List<TokenRequest>();
        await using var h = new Harness(o => o with { Authentication = new AuthenticationOptions { TokenProvider = Tokens(requests) } });
        h.Server.DefaultHandshake = Handshake.Refuse(HttpStatusCode.Unauthorized);
        h.Connection.Start();

        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(2, reconnecting.Attempt);
        Assert.Equal(HttpStatusCode.Unauthorized, reconnecting.Disconnect?.HttpStatus);
        await h.AdvanceByRetryDelayAsync(reconnecting);

        var closed = await h.States.SkipToAsync(_ => true);
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(CloseReason.AuthenticationFailed, closed.CloseReason);
        Assert.Equal(HttpStatusCode.Unauthorized, closed.Disconnect?.HttpStatus);
        Assert.Equal(2, h.Server.Requests.Count);
        Assert.Equal("Bearer token-1", h.Server.Requests[0].Headers["Authorization"]);
        Assert.Equal("Bearer token-2", h.Server.Requests[1].Headers["Authorization"]);
        Assert.Equal([TokenRequestReason.FirstConnect, TokenRequestReason.TokenRefused], requests.Select(r => r.Reason));

        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Handshake_401_after_a_fresh_token_that_then_works_does_not_use_up_the_refresh_for_later()
    {
        var requests = new List<TokenRequest>();
        await using var h = new Harness(o => o with { Authentication = new AuthenticationOptions { TokenProvider = Tokens(requests) } });
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.Unauthorized));
        h.Connection.Start();
        await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        var server = await h.Server.AcceptAsync().Safe();

        // Later the token expires: a 401 after a drop gets one refresh again.
        h.Clock.Advance(TimeSpan.FromSeconds(30));
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.Unauthorized));
        server.Abort();
        await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));
        var retry = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(HttpStatusCode.Unauthorized, retry.Disconnect?.HttpStatus);
        await h.AdvanceByRetryDelayAsync(retry);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Equal("Bearer token-4", h.Server.Requests[^1].Headers["Authorization"]);
        Assert.Equal(
            [TokenRequestReason.FirstConnect, TokenRequestReason.TokenRefused, TokenRequestReason.Reconnect, TokenRequestReason.TokenRefused],
            requests.Select(r => r.Reason));
    }

    [Fact]
    public async Task Handshake_401_without_a_token_provider_closes_at_once()
    {
        await using var h = new Harness();
        h.Server.DefaultHandshake = Handshake.Refuse(HttpStatusCode.Unauthorized);
        h.Connection.Start();

        var connecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Connecting);
        var closed = await h.States.SkipToAsync(_ => true);
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(CloseReason.AuthenticationFailed, closed.CloseReason);
        Assert.Equal(HttpStatusCode.Unauthorized, closed.Disconnect?.HttpStatus);
        Assert.Equal(1, connecting.Attempt);
        Assert.Single(h.Server.Requests);
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task A_fatal_inbound_message_closes_for_good_after_its_subscribers_saw_it()
    {
        await using var h = new Harness(o => o with { FatalMessageTypes = ["kicked"] });
        var server = await h.StartAndAcceptAsync();
        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        await server.SendTextAsync("{\"type\":\"chat\"}");
        await messages.FirstAsync(m => m.Text == "{\"type\":\"chat\"}");
        Assert.Equal(ConnectionState.Connected, h.Connection.State);

        await server.SendTextAsync("{\"type\":\"kicked\",\"code\":409}");
        var closed = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(CloseReason.FatalMessage, closed.CloseReason);
        Assert.Equal(DisconnectKind.FatalMessage, closed.Disconnect?.Kind);
        Assert.Equal("kicked", closed.Disconnect?.MessageType);
        await messages.FirstAsync(m => m.Text == "{\"type\":\"kicked\",\"code\":409}");

        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Reconnecting);
    }

    [Fact]
    public async Task RetryFirstConnect_off_closes_with_NotRetried_after_the_first_failure()
    {
        await using var h = new Harness(o => o with { Reconnect = o.Reconnect with { RetryFirstConnect = false } });
        h.Server.DefaultHandshake = Handshake.Fail();

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.StartAsync().Safe());
        Assert.Equal(CloseReason.NotRetried, ex.Reason);
        Assert.Equal(CloseReason.NotRetried, (await h.States.SkipToAsync(s => s.Current == ConnectionState.Closed)).CloseReason);
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Reconnecting);
    }

    [Fact]
    public async Task RetryFirstConnect_off_still_reconnects_after_a_connection_was_established()
    {
        await using var h = new Harness(o => o with { Reconnect = o.Reconnect with { RetryFirstConnect = false } });
        var server = await h.StartAndAcceptAsync();
        h.Server.EnqueueHandshake(Handshake.Fail());
        server.Abort();

        var first = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        await h.AdvanceByRetryDelayAsync(first);
        var second = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Reconnecting);
        Assert.Equal(ConnectionState.Reconnecting, second.Current);
        Assert.Equal(DisconnectKind.ConnectFailed, second.Disconnect?.Kind);
        await h.AdvanceByRetryDelayAsync(second);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
    }

    [Fact]
    public async Task Reconnect_disabled_closes_with_NotRetried_on_the_first_loss()
    {
        await using var h = new Harness(o => o with { Reconnect = o.Reconnect with { Enabled = false } });
        var server = await h.StartAndAcceptAsync();

        server.Abort();

        var closed = await h.States.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(CloseReason.NotRetried, closed.CloseReason);
        Assert.Equal(DisconnectKind.ConnectionLost, closed.Disconnect?.Kind);
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task A_rejected_certificate_closes_for_good_by_default_with_its_cause()
    {
        await using var h = new Harness();
        h.Server.DefaultHandshake = Handshake.Throw(new CertificateRejectedException(SslPolicyErrors.RemoteCertificateChainErrors, X509ChainStatusFlags.UntrustedRoot));

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.StartAsync().Safe());

        Assert.Equal(CloseReason.CertificateRejected, ex.Reason);
        var closed = await h.States.SkipToAsync(s => s.Current == ConnectionState.Closed);
        Assert.Equal(ConnectionState.Connecting, closed.Previous);
        Assert.Equal(CloseReason.CertificateRejected, closed.CloseReason);
        Assert.Equal(DisconnectKind.CertificateRejected, closed.Disconnect?.Kind);
        Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, closed.Disconnect?.CertificateErrors);
        Assert.Equal(X509ChainStatusFlags.UntrustedRoot, closed.Disconnect?.CertificateChainStatus);
        Assert.Equal("certificate rejected: UntrustedRoot", closed.Disconnect?.Cause);
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task A_rejected_certificate_is_retried_with_backoff_when_RetryCertificateErrors_is_on()
    {
        await using var h = new Harness(o => o with { Reconnect = o.Reconnect with { RetryCertificateErrors = true } });
        h.Server.EnqueueHandshake(
            Handshake.Throw(new CertificateRejectedException(SslPolicyErrors.RemoteCertificateNameMismatch, X509ChainStatusFlags.NoError)),
            Handshake.Throw(new CertificateRejectedException(SslPolicyErrors.RemoteCertificateNameMismatch, X509ChainStatusFlags.NoError)));
        h.Connection.Start();

        for (var attempt = 2; attempt <= 3; attempt++)
        {
            var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
            Assert.Equal(attempt, reconnecting.Attempt);
            Assert.Equal(DisconnectKind.CertificateRejected, reconnecting.Disconnect?.Kind);
            Assert.Equal("certificate rejected: name mismatch", reconnecting.Disconnect?.Cause);
            await h.AdvanceByRetryDelayAsync(reconnecting);
        }

        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Equal(3, h.Server.Requests.Count);
    }

    [Fact]
    public async Task A_custom_connectors_TLS_failure_counts_as_a_rejected_certificate()
    {
        await using var h = new Harness();
        h.Server.DefaultHandshake = Handshake.Throw(new WebSocketException("Unable to connect", new HttpRequestException("SSL failed", new AuthenticationException("remote certificate invalid"))));

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.StartAsync().Safe());

        Assert.Equal(CloseReason.CertificateRejected, ex.Reason);
        Assert.Equal(DisconnectKind.CertificateRejected, ex.Disconnect?.Kind);
        Assert.IsType<CertificateRejectedException>(ex.Disconnect?.Exception);
    }

    private static Func<TokenRequest, CancellationToken, ValueTask<string?>> Tokens(List<TokenRequest> requests) => (request, _) =>
    {
        lock (requests)
        {
            requests.Add(request);
            return ValueTask.FromResult<string?>($"token-{requests.Count}");
        }
    };
}
