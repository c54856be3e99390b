using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using RealtimeClient.Connection;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>The pure classification of how a connection or an attempt ended: retry, refresh the token, or close for good.</summary>
public sealed class DisconnectClassifierTests
{
    private static readonly ReconnectOptions DefaultReconnect = new();
    private static readonly AuthenticationOptions DefaultAuthentication = new();

    private static Verdict Classify(
        DisconnectInfo info,
        ReconnectOptions? reconnect = null,
        AuthenticationOptions? authentication = null,
        bool tokenProvider = false,
        bool everConnected = true,
        bool tokenRefreshed = false) =>
        DisconnectClassifier.Classify(info, new ClassificationInput(reconnect ?? DefaultReconnect, authentication ?? DefaultAuthentication, tokenProvider, everConnected, tokenRefreshed));

    private static DisconnectInfo Closed(int code) => new(DisconnectKind.ServerClosed) { CloseStatus = (WebSocketCloseStatus)code };

    private static DisconnectInfo Refused(HttpStatusCode status) => new(DisconnectKind.HandshakeRejected) { HttpStatus = status };

    public static TheoryData<DisconnectKind> RetriedKinds => new()
    {
        DisconnectKind.ConnectFailed,
        DisconnectKind.ConnectTimeout,
        DisconnectKind.TokenProviderFailed,
        DisconnectKind.OnConnectedFailed,
        DisconnectKind.ConnectionLost,
        DisconnectKind.HeartbeatTimeout,
        DisconnectKind.MessageTooLarge,
        DisconnectKind.InvalidMessage,
        DisconnectKind.ReconnectRequested,
    };

    [Theory]
    [MemberData(nameof(RetriedKinds))]
    public void Transient_ends_are_retried(DisconnectKind kind) =>
        Assert.Equal(Verdict.Retry, Classify(new DisconnectInfo(kind) { Exception = new IOException("x") }));

    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1011)]
    [InlineData(1012)]
    [InlineData(1013)]
    [InlineData(4000)]
    [InlineData(4009)]
    public void A_close_code_not_listed_as_fatal_is_retried(int code) => Assert.Equal(Verdict.Retry, Classify(Closed(code)));

    [Fact]
    public void A_server_close_without_a_status_is_retried() =>
        Assert.Equal(Verdict.Retry, Classify(new DisconnectInfo(DisconnectKind.ServerClosed)));

    [Fact]
    public void Close_1008_is_fatal_by_default() =>
        Assert.Equal(Verdict.CloseWith(CloseReason.FatalCloseStatus), Classify(Closed(1008)));

    [Theory]
    [InlineData(4009, new[] { 4009 }, true)]
    [InlineData(4001, new[] { 1008, 4001 }, true)]
    [InlineData(1008, new int[0], false)]
    [InlineData(1000, new[] { 4009 }, false)]
    public void FatalCloseStatuses_is_the_whole_list_of_fatal_codes(int code, int[] fatal, bool closes)
    {
        var verdict = Classify(Closed(code), DefaultReconnect with { FatalCloseStatuses = fatal });
        Assert.Equal(closes ? Verdict.CloseWith(CloseReason.FatalCloseStatus) : Verdict.Retry, verdict);
    }

    [Fact]
    public void A_fatal_close_code_only_counts_for_a_server_close()
    {
        // The same status on the client's own close (for example 1009 after a message over the limit) is not the server's verdict.
        var ownClose = new DisconnectInfo(DisconnectKind.MessageTooLarge) { CloseStatus = WebSocketCloseStatus.PolicyViolation };
        Assert.Equal(Verdict.Retry, Classify(ownClose));
    }

    [Fact]
    public void A_FatalConnectionException_from_the_hook_closes_for_good_and_any_other_hook_failure_is_retried()
    {
        var fatal = new DisconnectInfo(DisconnectKind.OnConnectedFailed) { Exception = new FatalConnectionException("banned") };
        var other = new DisconnectInfo(DisconnectKind.OnConnectedFailed) { Exception = new InvalidOperationException("subscribe failed") };

        Assert.Equal(Verdict.CloseWith(CloseReason.OnConnectedFatal), Classify(fatal));
        Assert.Equal(Verdict.Retry, Classify(other));
    }

    [Fact]
    public void A_fatal_message_closes_for_good_even_with_reconnecting_on() =>
        Assert.Equal(Verdict.CloseWith(CloseReason.FatalMessage), Classify(new DisconnectInfo(DisconnectKind.FatalMessage) { MessageType = "kicked" }));

    [Fact]
    public void A_refused_certificate_closes_for_good_by_default_and_is_retried_when_configured()
    {
        var certificate = new DisconnectInfo(DisconnectKind.CertificateRejected) { CertificateErrors = SslPolicyErrors.RemoteCertificateChainErrors };

        Assert.Equal(Verdict.CloseWith(CloseReason.CertificateRejected), Classify(certificate));
        Assert.Equal(Verdict.Retry, Classify(certificate, DefaultReconnect with { RetryCertificateErrors = true }));
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public void A_401_or_403_refreshes_the_token_once_then_fails_authentication(HttpStatusCode status)
    {
        Assert.Equal(Verdict.Refresh, Classify(Refused(status), tokenProvider: true));
        Assert.Equal(Verdict.CloseWith(CloseReason.AuthenticationFailed), Classify(Refused(status), tokenProvider: true, tokenRefreshed: true));
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public void A_401_or_403_without_a_token_provider_fails_authentication_at_once(HttpStatusCode status) =>
        Assert.Equal(Verdict.CloseWith(CloseReason.AuthenticationFailed), Classify(Refused(status)));

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public void Another_refused_handshake_is_retried(HttpStatusCode status) =>
        Assert.Equal(Verdict.Retry, Classify(Refused(status), tokenProvider: true));

    [Fact]
    public void A_refresh_close_code_refreshes_the_token_before_the_fatal_list_is_consulted()
    {
        // 1008 is in both default lists: with a token provider it means "token expired".
        Assert.Equal(Verdict.Refresh, Classify(Closed(1008), tokenProvider: true));
        Assert.Equal(Verdict.CloseWith(CloseReason.AuthenticationFailed), Classify(Closed(1008), tokenProvider: true, tokenRefreshed: true));

        // Without a provider, 1008 is simply fatal.
        Assert.Equal(Verdict.CloseWith(CloseReason.FatalCloseStatus), Classify(Closed(1008)));
    }

    [Fact]
    public void An_apps_own_refresh_close_code_refreshes_the_token()
    {
        var auth = DefaultAuthentication with { RefreshTokenOnCloseStatuses = [4001] };

        Assert.Equal(Verdict.Refresh, Classify(Closed(4001), authentication: auth, tokenProvider: true));
        Assert.Equal(Verdict.Retry, Classify(Closed(4001), authentication: auth, tokenProvider: false));
        Assert.Equal(Verdict.CloseWith(CloseReason.FatalCloseStatus), Classify(Closed(1008), authentication: auth, tokenProvider: true));
    }

    [Fact]
    public void Reconnecting_switched_off_closes_with_NotRetried_for_anything_retryable()
    {
        var off = DefaultReconnect with { Enabled = false };

        Assert.Equal(Verdict.CloseWith(CloseReason.NotRetried), Classify(new DisconnectInfo(DisconnectKind.ConnectionLost), off));
        Assert.Equal(Verdict.CloseWith(CloseReason.NotRetried), Classify(Closed(1001), off));

        // The specific verdicts still win.
        Assert.Equal(Verdict.CloseWith(CloseReason.FatalCloseStatus), Classify(Closed(1008), off));
    }

    [Fact]
    public void RetryFirstConnect_off_closes_a_failed_first_connect_but_not_a_later_one()
    {
        var noFirst = DefaultReconnect with { RetryFirstConnect = false };
        var failed = new DisconnectInfo(DisconnectKind.ConnectFailed);

        Assert.Equal(Verdict.CloseWith(CloseReason.NotRetried), Classify(failed, noFirst, everConnected: false));
        Assert.Equal(Verdict.Retry, Classify(failed, noFirst, everConnected: true));
        Assert.Equal(Verdict.Retry, Classify(failed, everConnected: false));
    }

    [Fact]
    public void The_classifier_refuses_a_missing_disconnect() =>
        Assert.Throws<ArgumentNullException>(() => Classify(null!));
}
