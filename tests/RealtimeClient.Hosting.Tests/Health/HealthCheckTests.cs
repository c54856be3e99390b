using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Reactive.Subjects;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NSubstitute;

namespace RealtimeClient.Hosting.Tests.Health;

/// <summary>The health check in every state, against a substitute connection.</summary>
public sealed class HealthCheckTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly IRealtimeConnection _connection = Substitute.For<IRealtimeConnection>();
    private readonly BehaviorSubject<StateChange> _states = new(new StateChange(ConnectionState.Disconnected, ConnectionState.Disconnected, Now));

    public HealthCheckTests() => _connection.StateChanges.Returns(_states);

    [Fact]
    public async Task Connected_is_healthy()
    {
        Enter(new StateChange(ConnectionState.Connecting, ConnectionState.Connected, Now) { Attempt = 1 }, queued: 3, unacknowledged: 2);

        var entry = await CheckAsync();

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("Connected; 3 queued, 2 unacknowledged", entry.Description);
        Assert.Equal("Connected", entry.Data["state"]);
        Assert.Equal(3, entry.Data["queued"]);
    }

    [Theory]
    [InlineData(10, HealthStatus.Healthy)]
    [InlineData(11, HealthStatus.Degraded)]
    public async Task Connected_with_a_queue_over_the_threshold_is_degraded(int queued, HealthStatus expected)
    {
        Enter(new StateChange(ConnectionState.Connecting, ConnectionState.Connected, Now) { Attempt = 1 }, queued, unacknowledged: 0);

        var entry = await CheckAsync(new RealtimeHealthCheckOptions { DegradedQueueThreshold = 10 });

        Assert.Equal(expected, entry.Status);
        if (expected == HealthStatus.Degraded)
        {
            Assert.Equal("Connected, but the queue is over its threshold (10): 11 queued, 0 unacknowledged", entry.Description);
        }
    }

    [Fact]
    public async Task Connecting_is_degraded_with_its_attempt()
    {
        Enter(new StateChange(ConnectionState.Disconnected, ConnectionState.Connecting, Now) { Attempt = 1 }, queued: 1, unacknowledged: 0);

        var entry = await CheckAsync();

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("Connecting (attempt 1); 1 queued, 0 unacknowledged", entry.Description);
        Assert.Equal(1, entry.Data["attempt"]);
    }

    [Fact]
    public async Task Reconnecting_is_degraded_with_the_attempt_the_wait_and_the_cause()
    {
        Enter(
            new StateChange(ConnectionState.Reconnecting, ConnectionState.Reconnecting, Now)
            {
                Attempt = 3,
                RetryDelay = TimeSpan.FromSeconds(4),
                Disconnect = new DisconnectInfo(DisconnectKind.ConnectFailed) { SocketError = SocketError.ConnectionRefused },
            },
            queued: 5,
            unacknowledged: 1);

        var entry = await CheckAsync();

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("Reconnecting (attempt 3, waiting 4 s) after: connection refused; 5 queued, 1 unacknowledged", entry.Description);
        Assert.Equal(3, entry.Data["attempt"]);
        Assert.Equal("ConnectFailed", entry.Data["disconnectKind"]);
        Assert.Equal("connection refused", entry.Data["cause"]);
    }

    [Fact]
    public async Task Closed_for_good_is_unhealthy_with_the_reason_and_the_cause()
    {
        Enter(
            new StateChange(ConnectionState.Connected, ConnectionState.Closed, Now)
            {
                CloseReason = CloseReason.FatalCloseStatus,
                Disconnect = new DisconnectInfo(DisconnectKind.ServerClosed) { CloseStatus = WebSocketCloseStatus.PolicyViolation },
            },
            queued: 0,
            unacknowledged: 0);

        var entry = await CheckAsync();

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("Closed for good (FatalCloseStatus) after: server closed with 1008; 0 queued, 0 unacknowledged", entry.Description);
        Assert.Equal("FatalCloseStatus", entry.Data["closeReason"]);
    }

    [Fact]
    public async Task Closed_reports_the_failure_status_the_app_chose()
    {
        Enter(new StateChange(ConnectionState.Connected, ConnectionState.Closed, Now) { CloseReason = CloseReason.Stopped }, queued: 0, unacknowledged: 0);

        var entry = await CheckAsync(failureStatus: HealthStatus.Degraded);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("Closed for good (Stopped); 0 queued, 0 unacknowledged", entry.Description);
    }

    [Fact]
    public async Task A_connection_never_started_is_unhealthy()
    {
        _connection.State.Returns(ConnectionState.Disconnected);

        var entry = await CheckAsync();

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("Not started; 0 queued, 0 unacknowledged", entry.Description);
    }

    [Fact]
    public async Task The_state_is_read_at_each_check()
    {
        Enter(new StateChange(ConnectionState.Disconnected, ConnectionState.Connecting, Now) { Attempt = 1 }, queued: 0, unacknowledged: 0);
        await using var provider = Provider();
        var health = provider.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync()).Status);

        Enter(new StateChange(ConnectionState.Connecting, ConnectionState.Connected, Now) { Attempt = 1 }, queued: 0, unacknowledged: 0);

        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
    }

    [Fact]
    public async Task Free_text_that_could_hold_an_address_a_token_or_a_header_value_is_left_out()
    {
        Enter(
            new StateChange(ConnectionState.Reconnecting, ConnectionState.Reconnecting, Now)
            {
                Attempt = 2,
                RetryDelay = TimeSpan.FromSeconds(1),
                Disconnect = new DisconnectInfo(DisconnectKind.ConnectFailed)
                {
                    Exception = new HttpRequestException("could not reach wss://secret.test/ws?access_token=tok123 (X-Api-Key: key456)"),
                },
            },
            queued: 0,
            unacknowledged: 0);

        var entry = await CheckAsync();

        Assert.Equal("Reconnecting (attempt 2, waiting 1 s) after: ConnectFailed (HttpRequestException); 0 queued, 0 unacknowledged", entry.Description);
        AssertNothingSecret(entry, "secret.test", "tok123", "key456");
    }

    [Fact]
    public async Task The_text_of_a_servers_close_is_left_out()
    {
        Enter(
            new StateChange(ConnectionState.Connected, ConnectionState.Reconnecting, Now)
            {
                Attempt = 1,
                RetryDelay = TimeSpan.Zero,
                Disconnect = new DisconnectInfo(DisconnectKind.ServerClosed) { CloseStatus = WebSocketCloseStatus.InternalServerError, CloseDescription = "token tok123 expired" },
            },
            queued: 0,
            unacknowledged: 0);

        var entry = await CheckAsync();

        Assert.Equal("Reconnecting (attempt 1, waiting 0 s) after: server closed with 1011; 0 queued, 0 unacknowledged", entry.Description);
        AssertNothingSecret(entry, "tok123");
    }

    [Fact]
    public async Task A_refused_handshake_keeps_its_http_status()
    {
        Enter(
            new StateChange(ConnectionState.Connecting, ConnectionState.Reconnecting, Now)
            {
                Attempt = 1,
                RetryDelay = TimeSpan.FromSeconds(1),
                Disconnect = new DisconnectInfo(DisconnectKind.HandshakeRejected) { HttpStatus = HttpStatusCode.NotFound },
            },
            queued: 0,
            unacknowledged: 0);

        Assert.Equal("Reconnecting (attempt 1, waiting 1 s) after: HTTP 404 (NotFound); 0 queued, 0 unacknowledged", (await CheckAsync()).Description);
    }

    [Fact]
    public void A_negative_threshold_is_refused()
    {
        var builder = new ServiceCollection().AddHealthChecks();

        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddRealtimeConnectionHealthCheck(options: new RealtimeHealthCheckOptions { DegradedQueueThreshold = -1 }));
    }

    internal static void AssertNothingSecret(HealthReportEntry entry, params string[] secrets)
    {
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, entry.Description, StringComparison.Ordinal);
            Assert.DoesNotContain(entry.Data.Values, value => value.ToString()!.Contains(secret, StringComparison.Ordinal));
        }
    }

    private void Enter(StateChange change, int queued, int unacknowledged)
    {
        _connection.State.Returns(change.Current);
        _connection.PendingCount.Returns(queued);
        _connection.UnacknowledgedCount.Returns(unacknowledged);
        _states.OnNext(change);
    }

    private async Task<HealthReportEntry> CheckAsync(RealtimeHealthCheckOptions? options = null, HealthStatus? failureStatus = null)
    {
        await using var provider = Provider(options, failureStatus);
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["realtime"];
    }

    private ServiceProvider Provider(RealtimeHealthCheckOptions? options = null, HealthStatus? failureStatus = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(_connection);
        services.AddHealthChecks().AddRealtimeConnectionHealthCheck(options: options, failureStatus: failureStatus);
        return services.BuildServiceProvider();
    }
}
