using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Matrix;
using RealtimeClient.InteropTests.Peers;
using RealtimeClient.Tests.TestKit;

namespace RealtimeClient.InteropTests.Scenarios;

/// <summary>
/// TLS: a certificate the machine does not trust is refused by default, for good, with the cause; an app trusts one through
/// <see cref="TransportOptions.Configure"/>: a pinning callback, or a private certificate authority.
/// </summary>
[ScenarioGroup("TLS", 7, Requires = [PeerCapability.Tls])]
public abstract class TlsScenarios(InteropPeer peer)
{
    [Fact]
    public async Task An_untrusted_certificate_is_refused_by_default_for_good_with_the_chain_status_as_the_cause()
    {
        // The private CA's server presents its own certificate only, so the chain stops short of a root (PartialChain);
        // the self-signed certificate is its own root, one the machine does not trust (UntrustedRoot).
        foreach (var (url, status) in new[] { (peer.SecureUrl()!, X509ChainStatusFlags.PartialChain), (peer.SelfSignedUrl()!, X509ChainStatusFlags.UntrustedRoot) })
        {
            await using var client = PeerConnection.Create(peer, o => o with { Uri = url, Transport = new TransportOptions() });

            var error = await Assert.ThrowsAsync<ConnectionClosedException>(client.StartAsync);
            Assert.Equal(CloseReason.CertificateRejected, error.Reason);
            var cause = error.Disconnect!;
            Assert.Equal(DisconnectKind.CertificateRejected, cause.Kind);
            Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, cause.CertificateErrors);
            Assert.True(cause.CertificateChainStatus?.HasFlag(status), $"{url.Port}: {cause.CertificateChainStatus}");
            Assert.Contains(status.ToString(), cause.Cause, StringComparison.Ordinal);
            Assert.Single(client.Disconnects);
        }
    }

    [Fact]
    public async Task A_pinning_callback_connects_to_the_pinned_certificate_and_refuses_another()
    {
        RealtimeOptions Pinned(RealtimeOptions o, Uri url) => o with
        {
            Uri = url,
            Transport = new TransportOptions
            {
                Configure = c => c.RemoteCertificateValidationCallback = CertificateTrust.Pinned(peer.SelfSignedCertificate!),
            },
        };

        await using (var pinned = await PeerConnection.ConnectAsync(peer, o => Pinned(o, peer.SelfSignedUrl()!)))
        {
            Assert.Equal("pinned", await pinned.EchoAsync("pinned"));
        }

        await using var other = PeerConnection.Create(peer, o => Pinned(o, peer.SecureUrl()!));
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(other.StartAsync);
        Assert.Equal(CloseReason.CertificateRejected, error.Reason);
    }

    [Fact]
    public async Task A_private_certificate_authority_connects()
    {
        await using var client = await PeerConnection.ConnectAsync(peer, o => o with
        {
            Uri = peer.SecureUrl()!,
            Transport = new TransportOptions
            {
                Configure = c => c.RemoteCertificateValidationCallback = CertificateTrust.PrivateAuthority(peer.CertificateAuthority!),
            },
        });

        Assert.Equal("over TLS", await client.EchoAsync("over TLS"));
    }
}
