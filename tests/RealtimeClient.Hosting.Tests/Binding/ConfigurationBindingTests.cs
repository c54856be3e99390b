using System.Net.WebSockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace RealtimeClient.Hosting.Tests.Binding;

public sealed class ConfigurationBindingTests
{
    /// <summary>What full-appsettings.json says, written independently in code.</summary>
    private static readonly RealtimeOptions FullAppSettings = new()
    {
        Uri = new Uri("ws://primary.test/ws"),
        Uris = [new Uri("ws://a.test/ws"), new Uri("wss://b.test:8443/ws")],
        Headers = new Dictionary<string, string> { ["X-Client"] = "worker", ["X-Region"] = "eu-west" },
        SubProtocols = ["chat.v2", "chat.v1"],
        Transport = new TransportOptions
        {
            KeepAliveInterval = TimeSpan.FromSeconds(7),
            KeepAliveTimeout = TimeSpan.FromSeconds(9),
            Deflate = new WebSocketDeflateOptions { ClientMaxWindowBits = 10, ClientContextTakeover = false, ServerMaxWindowBits = 11, ServerContextTakeover = false },
        },
        Authentication = new AuthenticationOptions
        {
            Placement = TokenPlacement.QueryString,
            HeaderName = "X-Token",
            HeaderValuePrefix = "Token ",
            QueryParameterName = "token",
            RefreshTokenOnCloseStatuses = [4001, 4401],
        },
        Reconnect = new ReconnectOptions
        {
            Enabled = false,
            InitialDelay = TimeSpan.FromSeconds(2),
            MaxDelay = TimeSpan.FromMinutes(1),
            MaxAttempts = 7,
            MinimumUptime = TimeSpan.FromSeconds(20),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            RetryFirstConnect = false,
            FatalCloseStatuses = [4000, 4003],
            RetryCertificateErrors = true,
            RetryWhenNetworkReturns = false,
        },
        Heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(10), Timeout = TimeSpan.FromSeconds(25), Message = "{\"type\":\"ping\"}", Enabled = false },
        Queue = new QueueOptions { MaxMessages = 500, MaxBytes = 1024 * 1024, Overflow = QueueOverflow.DropOldest },
        Acknowledgements = new AcknowledgementOptions
        {
            AckType = "ok",
            RejectionTypes = ["nack", "refused"],
            RejectionCodePath = "data.code",
            RejectionMessagePath = "data.reason",
            MaxInFlight = 50,
            AckTimeout = TimeSpan.FromSeconds(12),
            OnAckTimeout = AckTimeoutAction.Fail,
            InboundIdPath = "data.id",
            DeduplicationWindow = 128,
        },
        Requests = new RequestOptions { Timeout = TimeSpan.FromSeconds(8), ResendOnReconnect = true },
        Dispatch = new DispatchOptions { BufferCapacity = 64, Overflow = DispatchOverflow.Wait },
        Telemetry = new TelemetryOptions { TraceAcknowledgedSends = true },
        MaxInboundMessageSize = 64 * 1024,
        MaxOutboundMessageSize = 32 * 1024,
        ReceiveBufferSize = 8 * 1024,
        CloseTimeout = TimeSpan.FromSeconds(3),
        FatalMessageTypes = ["kicked", "auth_failed"],
    };

    [Fact]
    public void A_full_appsettings_section_binds_every_option_to_exactly_its_value()
    {
        var bound = BindThroughContainer(new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "Binding", "full-appsettings.json"))
            .Build()
            .GetSection("Realtime"));

        var expected = OptionsTree.Leaves(FullAppSettings);
        var actual = OptionsTree.Leaves(bound);
        var differences = expected.Keys.Union(actual.Keys)
            .Where(path => expected.GetValueOrDefault(path) != actual.GetValueOrDefault(path))
            .Select(path => $"{path}: expected {expected.GetValueOrDefault(path) ?? "(none)"}, bound {actual.GetValueOrDefault(path) ?? "(none)"}").ToList();

        Assert.True(differences.Count == 0, "Bound differently:\n" + string.Join("\n", differences));
        Assert.Equal(OptionsTree.Leaves(new RealtimeOptions(), expandNulls: true).Keys, actual.Keys); // every leaf was compared
    }

    [Fact]
    public void The_full_appsettings_set_every_option_configuration_can_carry_to_a_value_other_than_its_default()
    {
        // Guards the test above: an option added to the library later and missing from the JSON (or left at its default,
        // which would hide a binding that does nothing) fails here, naming it.
        var defaults = OptionsTree.Leaves(new RealtimeOptions(), expandNulls: true);
        var full = OptionsTree.Leaves(FullAppSettings, expandNulls: true);

        var unchanged = defaults.Where(leaf => full[leaf.Key] == leaf.Value).Select(leaf => leaf.Key).ToList();

        Assert.Empty(unchanged);
        Assert.Equal(defaults.Keys, full.Keys);
    }

    [Fact]
    public void Only_delegates_and_services_are_left_to_code()
    {
        Assert.Equal(
            ["Authentication.TokenProvider", "Connector", "EnvelopeFormat", "IsFatalMessage", "OnConnected", "Outbox", "Reconnect.Policy", "Serializer", "Transport.Configure"],
            OptionsTree.CodeOnly(new RealtimeOptions()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_configured_list_replaces_its_default_instead_of_being_added_to_it()
    {
        // The configuration binder alone appends to a list's default items: [1008] + [4001] = [1008, 4001].
        var bound = BindThroughContainer(Section(new()
        {
            ["Realtime:Uri"] = "ws://server.test/ws",
            ["Realtime:Reconnect:FatalCloseStatuses:0"] = "4001",
            ["Realtime:Authentication:RefreshTokenOnCloseStatuses:0"] = "4401",
            ["Realtime:Acknowledgements:RejectionTypes:0"] = "nack",
        }));

        Assert.Equal([4001], bound.Reconnect.FatalCloseStatuses);
        Assert.Equal([4401], bound.Authentication.RefreshTokenOnCloseStatuses);
        Assert.Equal(["nack"], bound.Acknowledgements.RejectionTypes);
    }

    [Fact]
    public void An_empty_json_array_empties_a_list()
    {
        var bound = BindThroughContainer(Json("""
            { "Realtime": { "Uri": "ws://server.test/ws", "Acknowledgements": { "RejectionTypes": [] }, "Reconnect": { "FatalCloseStatuses": [] } } }
            """));

        Assert.Empty(bound.Acknowledgements.RejectionTypes);
        Assert.Empty(bound.Reconnect.FatalCloseStatuses);
    }

    [Fact]
    public void A_list_the_configuration_does_not_mention_keeps_its_default()
    {
        var bound = BindThroughContainer(Json("""{ "Realtime": { "Uri": "ws://server.test/ws", "Reconnect": { "MaxAttempts": 3 } } }"""));

        Assert.Equal([1008], bound.Reconnect.FatalCloseStatuses);
        Assert.Equal([1008], bound.Authentication.RefreshTokenOnCloseStatuses);
        Assert.Equal(["error"], bound.Acknowledgements.RejectionTypes);
        Assert.Equal(3, bound.Reconnect.MaxAttempts);
    }

    [Fact]
    public void Code_configuration_runs_after_binding_in_the_order_it_was_added()
    {
        var services = new ServiceCollection();
        RealtimeOptions? seen = null;
        services.AddRealtimeConnection(Json("""{ "Realtime": { "Uri": "ws://server.test/ws", "Reconnect": { "MaxAttempts": 3 } } }"""))
            .Configure(o => o with { Reconnect = o.Reconnect with { MaxAttempts = o.Reconnect.MaxAttempts * 10 } })
            .Configure(o => o with { Reconnect = o.Reconnect with { MaxAttempts = o.Reconnect.MaxAttempts + 1 } })
            .Configure(o => seen = o);

        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IOptionsMonitor<Internal.ConnectionSettings>>().Get(string.Empty);

        Assert.Equal(31, seen!.Reconnect.MaxAttempts);
    }

    /// <summary>Registers a connection bound from <paramref name="section"/> and returns its options as the container built them.</summary>
    internal static RealtimeOptions BindThroughContainer(IConfiguration section)
    {
        var services = new ServiceCollection();
        RealtimeOptions? bound = null;
        services.AddRealtimeConnection(section).Configure(options => bound = options);
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IOptionsMonitor<Internal.ConnectionSettings>>().Get(string.Empty);
        return bound ?? throw new InvalidOperationException("The options were not built.");
    }

    internal static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Realtime");

    internal static IConfigurationSection Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build().GetSection("Realtime");
}
