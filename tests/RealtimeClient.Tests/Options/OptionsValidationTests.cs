using System.Reflection;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Options;

/// <summary>
/// Issue 11, item 10: every invalid option is refused when the connection is created, with one message that names the option
/// and the value it had, instead of being accepted and misbehaving later (flapping, retrying for ever, NullReferenceException).
/// </summary>
public sealed class OptionsValidationTests
{
    private static readonly RealtimeOptions Valid = Harness.Defaults(new InMemoryWebSocketServer());

    public static TheoryData<string, Func<RealtimeOptions, RealtimeOptions>, string[]> Invalid => new()
    {
        {
            "a heartbeat timeout equal to its interval (the connection would flap for ever)",
            o => o with { Heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(30) } },
            ["Heartbeat.Timeout", "00:00:30", "Heartbeat.Interval"]
        },
        {
            "a heartbeat timeout shorter than its interval",
            o => o with { Heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(10), Timeout = TimeSpan.FromSeconds(4) } },
            ["Heartbeat.Timeout (00:00:04)", "Heartbeat.Interval (00:00:10)"]
        },
        { "Headers = null (used to be retried for ever as a connection failure)", o => o with { Headers = null! }, ["Headers", "null"] },
        {
            "a header with a null value",
            o => o with { Headers = new Dictionary<string, string> { ["X-Key"] = null! } },
            ["Headers", "'X-Key'"]
        },
        {
            "a header without a name",
            o => o with { Headers = new Dictionary<string, string> { [" "] = "v" } },
            ["Headers"]
        },
        {
            "a negative request timeout (used to throw \"(Parameter 'delay')\" on every request)",
            o => o with { Requests = new RequestOptions { Timeout = TimeSpan.FromSeconds(-3) } },
            ["Requests.Timeout", "-00:00:03"]
        },
        { "a zero request timeout", o => o with { Requests = new RequestOptions { Timeout = TimeSpan.Zero } }, ["Requests.Timeout", "00:00:00"] },
        {
            "a maximum backoff below the initial one",
            o => o with { Reconnect = o.Reconnect with { InitialDelay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromSeconds(5) } },
            ["Reconnect.MaxDelay (00:00:05)", "Reconnect.InitialDelay (00:00:10)"]
        },
        { "zero attempts", o => o with { Reconnect = o.Reconnect with { MaxAttempts = 0 } }, ["Reconnect.MaxAttempts", "0"] },
        { "a zero connect timeout", o => o with { Reconnect = o.Reconnect with { ConnectTimeout = TimeSpan.Zero } }, ["Reconnect.ConnectTimeout", "00:00:00"] },
        { "a negative minimum uptime", o => o with { Reconnect = o.Reconnect with { MinimumUptime = TimeSpan.FromSeconds(-1) } }, ["Reconnect.MinimumUptime", "-00:00:01"] },
        { "a close code out of range", o => o with { Reconnect = o.Reconnect with { FatalCloseStatuses = [1008, 5000] } }, ["Reconnect.FatalCloseStatuses", "5000"] },
        {
            "a refresh close code out of range",
            o => o with { Authentication = new AuthenticationOptions { RefreshTokenOnCloseStatuses = [999] } },
            ["Authentication.RefreshTokenOnCloseStatuses", "999"]
        },
        { "a timer longer than the longest", o => o with { CloseTimeout = TimeSpan.FromDays(100) }, ["CloseTimeout", "100.00:00:00"] },
        { "no address", o => o with { Uri = null, Uris = [] }, ["Uri (or Uris)"] },
        { "an http address", o => o with { Uri = new Uri("http://example.invalid/ws") }, ["Uri", "ws://", "wss://"] },
        { "a relative address", o => o with { Uri = new Uri("/ws", UriKind.Relative) }, ["Uri", "absolute"] },
        { "a null address in Uris", o => o with { Uris = [new Uri("ws://a.invalid"), null!] }, ["Uris"] },
        { "an empty subprotocol", o => o with { SubProtocols = ["chat", ""] }, ["SubProtocols"] },
        { "an inbound limit of zero", o => o with { MaxInboundMessageSize = 0 }, ["MaxInboundMessageSize", "0"] },
        { "a negative outbound limit", o => o with { MaxOutboundMessageSize = -1 }, ["MaxOutboundMessageSize", "-1"] },
        { "a tiny receive buffer", o => o with { ReceiveBufferSize = 8 }, ["ReceiveBufferSize", "16", "8"] },
        { "an empty heartbeat message", o => o with { Heartbeat = new HeartbeatOptions { Message = "" } }, ["Heartbeat.Message"] },
        { "a queue of no messages", o => o with { Queue = new QueueOptions { MaxMessages = 0 } }, ["Queue.MaxMessages", "0"] },
        { "a queue of no bytes", o => o with { Queue = new QueueOptions { MaxBytes = 0 } }, ["Queue.MaxBytes", "0"] },
        { "an empty header name for the token", o => o with { Authentication = new AuthenticationOptions { HeaderName = "" } }, ["Authentication.HeaderName"] },
        { "a zero keep-alive timeout", o => o with { Transport = new TransportOptions { KeepAliveTimeout = TimeSpan.Zero } }, ["Transport.KeepAliveTimeout", "00:00:00"] },
        { "an empty inbound id path", o => o with { Acknowledgements = new AcknowledgementOptions { InboundIdPath = "" } }, ["Acknowledgements.InboundIdPath"] },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_option_is_refused_at_construction_naming_the_option_and_its_value(string what, Func<RealtimeOptions, RealtimeOptions> change, string[] named)
    {
        var options = change(Valid);

        var ex = Assert.Throws<ArgumentException>(() => new RealtimeConnection(options));

        Assert.Equal("options", ex.ParamName);
        foreach (var part in named)
        {
            Assert.True(ex.Message.Contains(part, StringComparison.Ordinal), $"{what}: \"{ex.Message}\" does not name \"{part}\".");
        }

        Assert.Single(options.GetValidationErrors());
    }

    [Fact]
    public void The_defaults_with_an_address_are_valid()
    {
        Assert.Empty(Valid.GetValidationErrors());
        Valid.Validate();
        Assert.Empty((Valid with { Heartbeat = new HeartbeatOptions { Enabled = false, Interval = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(30) } }).GetValidationErrors());
        Assert.Empty((Valid with { Requests = new RequestOptions { Timeout = Timeout.InfiniteTimeSpan } }).GetValidationErrors());
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = Valid with
        {
            Headers = null!,
            MaxInboundMessageSize = -1,
            Reconnect = Valid.Reconnect with { MaxAttempts = -2 },
            Heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromSeconds(5) },
        };

        var ex = Assert.Throws<ArgumentException>(() => new RealtimeConnection(options));

        Assert.Equal(4, options.GetValidationErrors().Count);
        Assert.All(options.GetValidationErrors(), e => Assert.Contains(e, ex.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void An_address_is_never_echoed_because_it_may_carry_a_secret()
    {
        var options = Valid with { Uri = new Uri("https://example.invalid/ws?access_token=s3cr3t") };

        var ex = Assert.Throws<ArgumentException>(() => new RealtimeConnection(options));

        Assert.DoesNotContain("s3cr3t", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("example.invalid", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_value_is_never_echoed()
    {
        var options = Valid with { Headers = new Dictionary<string, string> { [""] = "s3cr3t-header" } };

        var ex = Assert.Throws<ArgumentException>(() => new RealtimeConnection(options));

        Assert.DoesNotContain("s3cr3t-header", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_options_are_refused() => Assert.Throws<ArgumentNullException>(() => new RealtimeConnection(null!));

    public static TheoryData<string> NonNullableReferenceOptions => new(OptionPaths(IsNonNullableReference));

    [Theory]
    [MemberData(nameof(NonNullableReferenceOptions))]
    public void Every_option_that_must_not_be_null_is_refused_as_null_by_name(string path)
    {
        var options = With(path, null);

        var ex = Assert.Throws<ArgumentException>(() => new RealtimeConnection(options)); // never a NullReferenceException

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> EnumOptions => new(OptionPaths(p => p.PropertyType.IsEnum));

    [Theory]
    [MemberData(nameof(EnumOptions))]
    public void Every_option_with_an_undefined_enum_value_is_refused_by_name_and_value(string path)
    {
        var property = Property(path);
        var options = With(path, Enum.ToObject(property.PropertyType, 77));

        var ex = Assert.Throws<ArgumentException>(() => new RealtimeConnection(options));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("77", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> DurationOptions => new(OptionPaths(p => Nullable.GetUnderlyingType(p.PropertyType) == typeof(TimeSpan) || p.PropertyType == typeof(TimeSpan)));

    [Theory]
    [MemberData(nameof(DurationOptions))]
    public void Every_negative_duration_is_refused_by_name_and_value(string path)
    {
        var options = With(path, TimeSpan.FromSeconds(-7));

        var ex = Assert.Throws<ArgumentException>(() => new RealtimeConnection(options));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("-00:00:07", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> CountOptions => new(OptionPaths(p => (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) is var t && (t == typeof(int) || t == typeof(long))));

    [Theory]
    [MemberData(nameof(CountOptions))]
    public void Every_negative_size_or_count_is_refused_by_name_and_value(string path)
    {
        var type = Nullable.GetUnderlyingType(Property(path).PropertyType) ?? Property(path).PropertyType;
        var options = With(path, type == typeof(long) ? (object)-5L : -5);

        var ex = Assert.Throws<ArgumentException>(() => new RealtimeConnection(options));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("-5", ex.Message, StringComparison.Ordinal);
    }

    private static readonly NullabilityInfoContext Nullability = new();

    private static bool IsNonNullableReference(PropertyInfo property) =>
        !property.PropertyType.IsValueType && Nullability.Create(property).WriteState == NullabilityState.NotNull;

    /// <summary>The paths of the settable options (nested options records included, one level deep) that match.</summary>
    private static IEnumerable<string> OptionPaths(Func<PropertyInfo, bool> match)
    {
        foreach (var property in Settable(typeof(RealtimeOptions)))
        {
            if (match(property))
            {
                yield return property.Name;
            }

            if (property.PropertyType.Name.EndsWith("Options", StringComparison.Ordinal) && property.PropertyType.Namespace == "RealtimeClient")
            {
                foreach (var nested in Settable(property.PropertyType).Where(match))
                {
                    yield return $"{property.Name}.{nested.Name}";
                }
            }
        }
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true } && p.Name != "EqualityContract");

    private static PropertyInfo Property(string path)
    {
        var parts = path.Split('.');
        var property = typeof(RealtimeOptions).GetProperty(parts[0])!;
        return parts.Length == 1 ? property : property.PropertyType.GetProperty(parts[1])!;
    }

    /// <summary>A copy of the valid options with the option at <paramref name="path"/> set to <paramref name="value"/> (init setters, through reflection).</summary>
    private static RealtimeOptions With(string path, object? value)
    {
        var parts = path.Split('.');
        var copy = Valid with { };
        var top = typeof(RealtimeOptions).GetProperty(parts[0])!;
        if (parts.Length == 1)
        {
            top.SetValue(copy, value);
            return copy;
        }

        var nested = top.GetValue(copy)!;
        var clone = nested.GetType().GetMethod("<Clone>$")!.Invoke(nested, null)!;
        clone.GetType().GetProperty(parts[1])!.SetValue(clone, value);
        top.SetValue(copy, clone);
        return copy;
    }
}
