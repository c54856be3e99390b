using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static RealtimeClient.Hosting.Tests.Binding.ConfigurationBindingTests;

namespace RealtimeClient.Hosting.Tests.Registration;

public sealed class ValidationOnStartTests
{
    [Fact]
    public async Task Bad_values_fail_the_host_start_naming_the_section_the_option_and_the_value()
    {
        using var host = Host(services => services.AddRealtimeConnection(Section(new()
        {
            ["Realtime:Uri"] = "ws://server.test/ws",
            ["Realtime:Reconnect:InitialDelay"] = "00:00:10",
            ["Realtime:Reconnect:MaxDelay"] = "00:00:01",
            ["Realtime:Acknowledgements:MaxInFlight"] = "0",
            ["Realtime:Reconnect:FatalCloseStatuses:0"] = "999",
        })));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).Safe();

        Assert.Contains("The default RealtimeClient connection (configuration section 'Realtime'): Reconnect.MaxDelay (00:00:01) must not be shorter than Reconnect.InitialDelay (00:00:10).", error.Failures);
        Assert.Contains("The default RealtimeClient connection (configuration section 'Realtime'): Acknowledgements.MaxInFlight must be at least 1 (was 0).", error.Failures);
        Assert.Contains("The default RealtimeClient connection (configuration section 'Realtime'): Reconnect.FatalCloseStatuses must hold WebSocket close codes from 1000 to 4999 (one was 999).", error.Failures);
        Assert.Equal(3, error.Failures.Count());
    }

    [Fact]
    public async Task A_named_connection_configured_in_code_is_validated_at_start_too()
    {
        using var host = Host(services => services.AddRealtimeConnection("prices", new RealtimeOptions
        {
            Uri = new Uri("ws://server.test/ws"),
            Heartbeat = new HeartbeatOptions { Interval = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(30) },
        }));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).Safe();

        Assert.Equal(
            "RealtimeClient connection 'prices': Heartbeat.Timeout (00:00:30) must be longer than Heartbeat.Interval (00:00:30), or a quiet connection would be declared dead before its next heartbeat.",
            Assert.Single(error.Failures));
    }

    [Fact]
    public async Task The_result_of_code_configuration_is_what_is_validated()
    {
        using var host = Host(services => services
            .AddRealtimeConnection(Section(new() { ["Realtime:Uri"] = "ws://server.test/ws" }))
            .Configure(options => options with { Queue = options.Queue with { MaxMessages = -5 } }));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).Safe();

        Assert.Contains("Queue.MaxMessages must be at least 1 (was -5).", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task A_missing_address_fails_at_start_and_an_address_is_never_quoted()
    {
        using var host = Host(services =>
        {
            services.AddRealtimeConnection(Section(new() { ["Realtime:Reconnect:MaxAttempts"] = "3" }));
            services.AddRealtimeConnection("feed", Section(new() { ["Realtime:Uri"] = "https://feed.test/ws?access_token=s3cret" }));
        });

        // Two connections fail: the host reports both, one OptionsValidationException each.
        var error = await Assert.ThrowsAsync<AggregateException>(() => host.StartAsync()).Safe();
        var failures = error.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures).ToList();

        Assert.Equal(
            [
                "The default RealtimeClient connection (configuration section 'Realtime'): Uri (or Uris) must be set to the server address.",
                "RealtimeClient connection 'feed' (configuration section 'Realtime'): Every server address (Uri, Uris) must be an absolute ws:// or wss:// URI; one is not.",
            ],
            failures.Order(StringComparer.Ordinal).Reverse());
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("feed.test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_option_fails_at_start_naming_it()
    {
        using var host = Host(services => services.AddRealtimeConnection(Section(new()
        {
            ["Realtime:Uri"] = "ws://server.test/ws",
            ["Realtime:Reconnect:MaxAttemps"] = "3",
        })));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync()).Safe();

        Assert.Contains("MaxAttemps", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_that_is_not_of_the_options_type_fails_at_start_naming_its_key()
    {
        using var host = Host(services => services.AddRealtimeConnection(Section(new()
        {
            ["Realtime:Uri"] = "ws://server.test/ws",
            ["Realtime:Queue:MaxMessages"] = "lots",
        })));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync()).Safe();

        Assert.Contains("Realtime:Queue:MaxMessages", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Valid_options_let_the_host_start_and_stop()
    {
        using var host = Host(services => services.AddRealtimeConnection(Json("""{ "Realtime": { "Uri": "ws://server.test/ws" } }""")));

        await host.StartAsync().Safe();
        await host.StopAsync().Safe();
    }

    private static IHost Host(Action<IServiceCollection> configure)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        configure(builder.Services);
        return builder.Build();
    }
}
