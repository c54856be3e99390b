using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace RealtimeClient;

/// <summary>The server's TLS certificate failed validation (the default checks, or the app's own callback).</summary>
public sealed class CertificateRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CertificateRejectedException()
        : this("The server's certificate was rejected.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public CertificateRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public CertificateRejectedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for what validation found.</summary>
    /// <param name="errors">The policy errors.</param>
    /// <param name="chainStatus">The chain problems (for <see cref="SslPolicyErrors.RemoteCertificateChainErrors"/>).</param>
    /// <param name="innerException">The transport's own exception, if any.</param>
    public CertificateRejectedException(SslPolicyErrors errors, X509ChainStatusFlags chainStatus, Exception? innerException = null)
        : base($"The server's certificate was rejected: {errors}{(chainStatus == X509ChainStatusFlags.NoError ? string.Empty : $" ({chainStatus})")}.", innerException)
    {
        Errors = errors;
        ChainStatus = chainStatus;
    }

    /// <summary>The policy errors (name mismatch, chain errors, not available); <see cref="SslPolicyErrors.None"/> when the app's callback refused an otherwise valid certificate.</summary>
    public SslPolicyErrors Errors { get; }

    /// <summary>The chain problems, such as <see cref="X509ChainStatusFlags.UntrustedRoot"/>.</summary>
    public X509ChainStatusFlags ChainStatus { get; }
}
