using System.Net;
using System.Net.WebSockets;
using System.Security.Authentication;
using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.SelfTests;

/// <summary>What only the nginx peer has: its TLS endpoints, its read timeout, and a proxy that stays up while the server behind it is down.</summary>
[Collection(NginxProxyPeer.Collection)]
public sealed class NginxProxyTests(NginxProxyPeer peer)
{
    [Fact]
    public async Task The_private_ca_endpoint_is_refused_by_default_with_the_certificate_as_the_cause()
    {
        var error = await Assert.ThrowsAsync<WebSocketException>(() => RawClient.ConnectAsync(peer.SecureUrl()!, RawClient.NewTag()));
        Assert.Contains(ExceptionChain.Of(error), e => e is AuthenticationException);
    }

    [Fact]
    public async Task The_private_ca_endpoint_connects_when_the_ca_is_trusted()
    {
        await using var client = await RawClient.ConnectAsync(peer.SecureUrl()!, RawClient.NewTag(), o =>
            o.RemoteCertificateValidationCallback = CertificateTrust.PrivateAuthority(peer.CertificateAuthority));
        await client.SendTextAsync("over TLS");
        Assert.Equal("over TLS", (await client.ReceiveAsync()).Text);
    }

    [Fact]
    public async Task The_self_signed_endpoint_is_refused_by_default_and_by_the_private_ca_and_connects_when_pinned()
    {
        var byDefault = await Assert.ThrowsAsync<WebSocketException>(() => RawClient.ConnectAsync(peer.SelfSignedUrl()!, RawClient.NewTag()));
        Assert.Contains(ExceptionChain.Of(byDefault), e => e is AuthenticationException);
        var byTheCa = await Assert.ThrowsAsync<WebSocketException>(() => RawClient.ConnectAsync(peer.SelfSignedUrl()!, RawClient.NewTag(), o =>
            o.RemoteCertificateValidationCallback = CertificateTrust.PrivateAuthority(peer.CertificateAuthority)));
        Assert.Contains(ExceptionChain.Of(byTheCa), e => e is AuthenticationException);

        await using var client = await RawClient.ConnectAsync(peer.SelfSignedUrl()!, RawClient.NewTag(), o =>
            o.RemoteCertificateValidationCallback = CertificateTrust.Pinned(peer.SelfSignedCertificate));
        await client.SendTextAsync("pinned");
        Assert.Equal("pinned", (await client.ReceiveAsync()).Text);
    }

    [Fact]
    public async Task A_pin_of_another_certificate_is_refused()
    {
        var error = await Assert.ThrowsAsync<WebSocketException>(() => RawClient.ConnectAsync(peer.SecureUrl()!, RawClient.NewTag(), o =>
            o.RemoteCertificateValidationCallback = CertificateTrust.Pinned(peer.SelfSignedCertificate)));
        Assert.Contains(ExceptionChain.Of(error), e => e is AuthenticationException);
    }

    [Fact]
    public async Task The_plain_endpoint_proxies_to_the_same_server()
    {
        var tag = RawClient.NewTag();
        await using var client = await RawClient.ConnectAsync(peer.WebSocketUrl(RawClient.PathAndQuery("/", tag)), tag);
        await client.SendTextAsync("no TLS");
        Assert.Equal("no TLS", (await client.ReceiveAsync()).Text);
        Assert.Contains(peer.Log.ForTag(tag), e => e.Event == "text" && e.Text == "no TLS");
    }

    [Fact]
    public async Task An_idle_tunnel_is_cut_after_the_read_timeout_while_one_with_keep_alive_pings_stays_up()
    {
        await using var idle = await RawClient.ConnectAsync(peer, configure: o => o.KeepAliveInterval = TimeSpan.Zero);
        await using var pinged = await RawClient.ConnectAsync(peer, configure: o => o.KeepAliveInterval = TimeSpan.FromSeconds(1));
        var cut = idle.ReceiveAsync();

        // The idle one is cut by nginx (no close frame); the pinged one, open as long, still echoes.
        await Assert.ThrowsAsync<WebSocketException>(() => cut);
        Assert.Null(idle.Socket.CloseStatus);
        await pinged.SendTextAsync("still up");
        Assert.Equal("still up", (await pinged.ReceiveAsync()).Text);
    }

    [Fact]
    public async Task While_the_server_behind_is_down_the_proxy_answers_502_and_the_server_is_reached_again_after_its_restart()
    {
        await peer.KillAsync();
        try
        {
            var error = await Assert.ThrowsAsync<WebSocketException>(() => RawClient.ConnectAsync(peer, configure: o => o.CollectHttpResponseDetails = true));
            Assert.Contains("502", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await peer.StartAsync();
        }

        await using var client = await RawClient.ConnectAsync(peer);
        await client.SendTextAsync("back");
        Assert.Equal("back", (await client.ReceiveAsync()).Text);
    }
}
