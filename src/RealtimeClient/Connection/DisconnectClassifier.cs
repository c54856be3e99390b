using System.Net;

namespace RealtimeClient.Connection;

/// <summary>What the classification needs besides the disconnect itself.</summary>
/// <param name="Reconnect">The reconnect options.</param>
/// <param name="Authentication">The authentication options.</param>
/// <param name="HasTokenProvider">Whether a refused token can be refreshed.</param>
/// <param name="EverConnected">Whether this start ever connected.</param>
/// <param name="TokenRefreshed">Whether the token was already refreshed since the last connection that stayed up.</param>
internal readonly record struct ClassificationInput(ReconnectOptions Reconnect, AuthenticationOptions Authentication, bool HasTokenProvider, bool EverConnected, bool TokenRefreshed);

/// <summary>What to do about a disconnect: retry (refreshing the token first, maybe) or close for good with a reason.</summary>
internal readonly record struct Verdict(CloseReason? Close, bool RefreshToken)
{
    public static Verdict Retry { get; } = new(null, false);

    public static Verdict Refresh { get; } = new(null, true);

    public static Verdict CloseWith(CloseReason reason) => new(reason, false);
}

/// <summary>
/// How a connection or an attempt ended, classified: a pure function, in one place, with its own unit tests. The rules, in
/// order: a fatal hook, a fatal message and (by default) a refused certificate close for good; a refused token is refreshed
/// once (401/403, or a close code from <see cref="AuthenticationOptions.RefreshTokenOnCloseStatuses"/> when a token
/// provider is set), then closes with <see cref="CloseReason.AuthenticationFailed"/>; a fatal close code closes; reconnecting
/// switched off, or a failed first connect that is not to be retried, closes; everything else is retried (the reconnect
/// policy then decides when, or whether to stop).
/// </summary>
internal static class DisconnectClassifier
{
    public static Verdict Classify(DisconnectInfo info, in ClassificationInput input)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.Kind == DisconnectKind.OnConnectedFailed && info.Exception is FatalConnectionException)
        {
            return Verdict.CloseWith(CloseReason.OnConnectedFatal);
        }

        if (info.Kind == DisconnectKind.FatalMessage)
        {
            return Verdict.CloseWith(CloseReason.FatalMessage);
        }

        if (info.Kind == DisconnectKind.CertificateRejected && !input.Reconnect.RetryCertificateErrors)
        {
            return Verdict.CloseWith(CloseReason.CertificateRejected);
        }

        if (IsTokenRefusal(info, input))
        {
            return input.HasTokenProvider && !input.TokenRefreshed ? Verdict.Refresh : Verdict.CloseWith(CloseReason.AuthenticationFailed);
        }

        if (info.Kind == DisconnectKind.ServerClosed && info.CloseStatus is { } status && input.Reconnect.FatalCloseStatuses.Contains((int)status))
        {
            return Verdict.CloseWith(CloseReason.FatalCloseStatus);
        }

        if (!input.Reconnect.Enabled || (!input.EverConnected && !input.Reconnect.RetryFirstConnect))
        {
            return Verdict.CloseWith(CloseReason.NotRetried);
        }

        return Verdict.Retry;
    }

    private static bool IsTokenRefusal(DisconnectInfo info, in ClassificationInput input) => info.Kind switch
    {
        DisconnectKind.HandshakeRejected => info.HttpStatus is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden,
        DisconnectKind.ServerClosed => input.HasTokenProvider && info.CloseStatus is { } status
            && input.Authentication.RefreshTokenOnCloseStatuses.Contains((int)status),
        _ => false,
    };
}
