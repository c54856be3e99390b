using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>The two ways a client trusts a certificate the machine does not: a private CA, or a pinned certificate.</summary>
public static class CertificateTrust
{
    /// <summary>Accepts a certificate for the right name that chains to <paramref name="authority"/> (and to nothing else).</summary>
    public static RemoteCertificateValidationCallback PrivateAuthority(X509Certificate2 authority) => (_, certificate, _, errors) =>
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(presented);
    };

    /// <summary>Accepts exactly the certificate whose SHA-256 hash is <paramref name="pinned"/>'s, whoever signed it.</summary>
    public static RemoteCertificateValidationCallback Pinned(X509Certificate2 pinned)
    {
        var expected = pinned.GetCertHash(HashAlgorithmName.SHA256);
        return (_, certificate, _, _) => certificate is not null && certificate.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(expected);
    }
}
