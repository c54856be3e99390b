using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;

namespace RealtimeClient.Transport;

/// <summary>
/// Records why a server certificate was refused during one attempt, by wrapping the validation callback in force (the
/// app's own, or the default rule "no policy errors"). The TLS stack itself only says "authentication failed".
/// </summary>
internal sealed class CertificateCheck
{
    public bool Rejected { get; private set; }

    public SslPolicyErrors Errors { get; private set; }

    public X509ChainStatusFlags ChainStatus { get; private set; }

    public void Observe(ClientWebSocketOptions options)
    {
        var decide = options.RemoteCertificateValidationCallback;
        options.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            var accepted = decide is null ? errors == SslPolicyErrors.None : decide(sender, certificate, chain, errors);
            if (!accepted)
            {
                Rejected = true;
                Errors = errors;
                var status = X509ChainStatusFlags.NoError;
                foreach (var element in chain?.ChainStatus ?? [])
                {
                    status |= element.Status;
                }

                ChainStatus = status;
            }

            return accepted;
        };
    }
}
