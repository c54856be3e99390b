using System.Globalization;

namespace RealtimeClient;

/// <summary>
/// Every rule a <see cref="RealtimeOptions"/> must follow, checked once when a connection is created (and by the DI
/// package at host start). Each problem is one sentence that names the option and the value it had.
/// </summary>
internal static class OptionsValidator
{
    private static readonly TimeSpan LongestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static IReadOnlyList<string> Validate(RealtimeOptions o)
    {
        var errors = new List<string>();
        ValidateAddresses(o, errors);
        Positive(errors, "MaxInboundMessageSize", o.MaxInboundMessageSize);
        if (o.MaxOutboundMessageSize is { } outbound)
        {
            Positive(errors, "MaxOutboundMessageSize", outbound);
        }

        AtLeast(errors, "ReceiveBufferSize", o.ReceiveBufferSize, 16);
        Duration(errors, "CloseTimeout", o.CloseTimeout, allowZero: true);
        NotNull(errors, "FatalMessageTypes", o.FatalMessageTypes);
        ValidateTransport(o.Transport, errors);
        ValidateAuthentication(o.Authentication, errors);
        ValidateReconnect(o.Reconnect, errors);
        ValidateHeartbeat(o.Heartbeat, errors);
        ValidateQueue(o.Queue, errors);
        ValidateAcknowledgements(o.Acknowledgements, errors);
        if (NotNull(errors, "Requests", o.Requests))
        {
            if (o.Requests.Timeout != Timeout.InfiniteTimeSpan)
            {
                Duration(errors, "Requests.Timeout", o.Requests.Timeout, allowZero: false);
            }
        }

        if (NotNull(errors, "Dispatch", o.Dispatch))
        {
            Positive(errors, "Dispatch.BufferCapacity", o.Dispatch.BufferCapacity);
            Defined(errors, "Dispatch.Overflow", o.Dispatch.Overflow);
        }

        _ = NotNull(errors, "Telemetry", o.Telemetry);
        return errors;
    }

    private static void ValidateAddresses(RealtimeOptions o, List<string> errors)
    {
        if (!NotNull(errors, "Uris", o.Uris))
        {
            return;
        }

        var uris = o.EffectiveUris();
        if (uris.Count == 0)
        {
            errors.Add("Uri (or Uris) must be set to the server address.");
        }

        foreach (var uri in uris)
        {
            if (uri is null || !uri.IsAbsoluteUri || (uri.Scheme != "ws" && uri.Scheme != "wss"))
            {
                // The value is not echoed: an address may carry a secret in its query string.
                errors.Add("Every server address (Uri, Uris) must be an absolute ws:// or wss:// URI; one is not.");
            }
        }

        if (NotNull(errors, "Headers", o.Headers))
        {
            foreach (var header in o.Headers)
            {
                if (string.IsNullOrWhiteSpace(header.Key) || header.Value is null)
                {
                    errors.Add($"Headers must have non-empty names and non-null values; '{header.Key}' does not (its value is not shown).");
                }
            }
        }

        if (NotNull(errors, "SubProtocols", o.SubProtocols))
        {
            foreach (var subProtocol in o.SubProtocols)
            {
                if (string.IsNullOrWhiteSpace(subProtocol))
                {
                    errors.Add("SubProtocols must not contain empty names.");
                }
            }
        }
    }

    private static void ValidateTransport(TransportOptions? t, List<string> errors)
    {
        if (!NotNull(errors, "Transport", t))
        {
            return;
        }

        if (t!.KeepAliveInterval is { } interval)
        {
            Duration(errors, "Transport.KeepAliveInterval", interval, allowZero: true);
        }

        if (t.KeepAliveTimeout is { } timeout)
        {
            Duration(errors, "Transport.KeepAliveTimeout", timeout, allowZero: false);
        }
    }

    private static void ValidateAuthentication(AuthenticationOptions? a, List<string> errors)
    {
        if (!NotNull(errors, "Authentication", a))
        {
            return;
        }

        Defined(errors, "Authentication.Placement", a!.Placement);
        NotEmpty(errors, "Authentication.HeaderName", a.HeaderName);
        NotNull(errors, "Authentication.HeaderValuePrefix", a.HeaderValuePrefix);
        NotEmpty(errors, "Authentication.QueryParameterName", a.QueryParameterName);
        CloseCodes(errors, "Authentication.RefreshTokenOnCloseStatuses", a.RefreshTokenOnCloseStatuses);
    }

    private static void ValidateReconnect(ReconnectOptions? r, List<string> errors)
    {
        if (!NotNull(errors, "Reconnect", r))
        {
            return;
        }

        Duration(errors, "Reconnect.InitialDelay", r!.InitialDelay, allowZero: true);
        Duration(errors, "Reconnect.MaxDelay", r.MaxDelay, allowZero: true);
        if (r.MaxDelay < r.InitialDelay)
        {
            errors.Add($"Reconnect.MaxDelay ({Show(r.MaxDelay)}) must not be shorter than Reconnect.InitialDelay ({Show(r.InitialDelay)}).");
        }

        if (r.MaxAttempts is { } max)
        {
            Positive(errors, "Reconnect.MaxAttempts", max);
        }

        if (r.MinimumUptime < TimeSpan.Zero)
        {
            errors.Add($"Reconnect.MinimumUptime must not be negative (was {Show(r.MinimumUptime)}).");
        }

        Duration(errors, "Reconnect.ConnectTimeout", r.ConnectTimeout, allowZero: false);
        CloseCodes(errors, "Reconnect.FatalCloseStatuses", r.FatalCloseStatuses);
    }

    private static void ValidateHeartbeat(HeartbeatOptions? h, List<string> errors)
    {
        if (!NotNull(errors, "Heartbeat", h))
        {
            return;
        }

        Duration(errors, "Heartbeat.Interval", h!.Interval, allowZero: false);
        Duration(errors, "Heartbeat.Timeout", h.Timeout, allowZero: false);
        if (h.Enabled && h.Timeout <= h.Interval)
        {
            errors.Add($"Heartbeat.Timeout ({Show(h.Timeout)}) must be longer than Heartbeat.Interval ({Show(h.Interval)}), or a quiet connection would be declared dead before its next heartbeat.");
        }

        if (h.Message is { Length: 0 })
        {
            errors.Add("Heartbeat.Message must not be empty (null sends none).");
        }
    }

    private static void ValidateQueue(QueueOptions? q, List<string> errors)
    {
        if (!NotNull(errors, "Queue", q))
        {
            return;
        }

        Positive(errors, "Queue.MaxMessages", q!.MaxMessages);
        if (q.MaxBytes < 1)
        {
            errors.Add($"Queue.MaxBytes must be at least 1 (was {q.MaxBytes.ToString(CultureInfo.InvariantCulture)}).");
        }

        Defined(errors, "Queue.Overflow", q.Overflow);
    }

    private static void ValidateAcknowledgements(AcknowledgementOptions? a, List<string> errors)
    {
        if (!NotNull(errors, "Acknowledgements", a))
        {
            return;
        }

        NotEmpty(errors, "Acknowledgements.AckType", a!.AckType);
        NotNull(errors, "Acknowledgements.RejectionTypes", a.RejectionTypes);
        NotEmpty(errors, "Acknowledgements.RejectionCodePath", a.RejectionCodePath);
        NotEmpty(errors, "Acknowledgements.RejectionMessagePath", a.RejectionMessagePath);
        Positive(errors, "Acknowledgements.MaxInFlight", a.MaxInFlight);
        Duration(errors, "Acknowledgements.AckTimeout", a.AckTimeout, allowZero: false);
        Defined(errors, "Acknowledgements.OnAckTimeout", a.OnAckTimeout);
        Positive(errors, "Acknowledgements.DeduplicationWindow", a.DeduplicationWindow);
        if (a.InboundIdPath is { Length: 0 })
        {
            errors.Add("Acknowledgements.InboundIdPath must not be empty (null turns de-duplication off).");
        }
    }

    private static bool NotNull(List<string> errors, string name, object? value)
    {
        if (value is null)
        {
            errors.Add($"{name} must not be null.");
            return false;
        }

        return true;
    }

    private static void Defined<T>(List<string> errors, string name, T value)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            errors.Add($"{name} is not a defined {typeof(T).Name} value (was {value.ToString("D")}).");
        }
    }

    private static void NotEmpty(List<string> errors, string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add($"{name} must not be empty (was {(value is null ? "null" : "\"\"")}).");
        }
    }

    private static void Positive(List<string> errors, string name, long value) => AtLeast(errors, name, value, 1);

    private static void AtLeast(List<string> errors, string name, long value, long minimum)
    {
        if (value < minimum)
        {
            errors.Add($"{name} must be at least {minimum.ToString(CultureInfo.InvariantCulture)} (was {value.ToString(CultureInfo.InvariantCulture)}).");
        }
    }

    private static void Duration(List<string> errors, string name, TimeSpan value, bool allowZero)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            errors.Add($"{name} must be {(allowZero ? "zero or positive" : "positive")} (was {Show(value)}).");
        }
        else if (value > LongestTimer)
        {
            errors.Add($"{name} must not be longer than {Show(LongestTimer)}, the longest timer (was {Show(value)}).");
        }
    }

    private static void CloseCodes(List<string> errors, string name, IReadOnlyList<int>? codes)
    {
        if (!NotNull(errors, name, codes))
        {
            return;
        }

        foreach (var code in codes!)
        {
            if (code is < 1000 or > 4999)
            {
                errors.Add($"{name} must hold WebSocket close codes from 1000 to 4999 (one was {code.ToString(CultureInfo.InvariantCulture)}).");
            }
        }
    }

    private static string Show(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
