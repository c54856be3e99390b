using System.Net.WebSockets;

namespace RealtimeClient.Tests.Options;

/// <summary>
/// Issue 11, item 9: the heartbeat decides the default connector's keep-alive (pings every interval, a pong due within
/// timeout − interval) whatever else is set on <see cref="RealtimeOptions.Transport"/>, unless keep-alive itself is set.
/// Read from the <see cref="ClientWebSocketOptions"/> the connector hands to <see cref="TransportOptions.Configure"/>; the
/// attempt then fails in Configure, so nothing touches the network.
/// </summary>
public sealed class KeepAliveResolutionTests
{
    private static readonly HeartbeatOptions FastHeartbeat = new() { Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Without_transport_settings_the_heartbeat_drives_the_keep_alive()
    {
        var seen = await KeepAliveAsync(new HeartbeatOptions(), new TransportOptions());

        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), (seen.Interval, seen.Timeout));
    }

    [Fact]
    public async Task Setting_deflate_keeps_the_heartbeat_derived_keep_alive()
    {
        var seen = await KeepAliveAsync(FastHeartbeat, new TransportOptions { Deflate = new WebSocketDeflateOptions() });

        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)), (seen.Interval, seen.Timeout));
        Assert.NotNull(seen.Deflate);
    }

    [Fact]
    public async Task Setting_only_a_configure_callback_keeps_the_heartbeat_derived_keep_alive()
    {
        var proxyAsked = false;
        var seen = await KeepAliveAsync(FastHeartbeat, new TransportOptions { Configure = _ => proxyAsked = true });

        Assert.True(proxyAsked);
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)), (seen.Interval, seen.Timeout));
    }

    [Fact]
    public async Task An_explicit_keep_alive_interval_wins_and_the_pong_timeout_still_follows_the_heartbeat()
    {
        var seen = await KeepAliveAsync(FastHeartbeat, new TransportOptions { KeepAliveInterval = TimeSpan.FromSeconds(10) });

        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3)), (seen.Interval, seen.Timeout));
    }

    [Fact]
    public async Task An_explicit_keep_alive_timeout_wins()
    {
        var seen = await KeepAliveAsync(FastHeartbeat, new TransportOptions { KeepAliveTimeout = TimeSpan.FromSeconds(7) });

        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(7)), (seen.Interval, seen.Timeout));
    }

    [Fact]
    public async Task A_zero_keep_alive_interval_turns_the_pings_and_their_timeout_off()
    {
        var seen = await KeepAliveAsync(FastHeartbeat, new TransportOptions { KeepAliveInterval = TimeSpan.Zero });

        Assert.Equal((TimeSpan.Zero, Timeout.InfiniteTimeSpan), (seen.Interval, seen.Timeout));
    }

    [Fact]
    public async Task A_disabled_heartbeat_sends_no_pings()
    {
        var seen = await KeepAliveAsync(FastHeartbeat with { Enabled = false }, new TransportOptions { Deflate = new WebSocketDeflateOptions() });

        Assert.Equal((TimeSpan.Zero, Timeout.InfiniteTimeSpan), (seen.Interval, seen.Timeout));
    }

    [Fact]
    public async Task The_apps_configure_callback_runs_last_and_may_still_override_everything()
    {
        var seen = await KeepAliveAsync(FastHeartbeat, new TransportOptions { Configure = o => o.KeepAliveInterval = TimeSpan.FromSeconds(42) });

        Assert.Equal(TimeSpan.FromSeconds(42), seen.Interval);
    }

    private static async Task<(TimeSpan Interval, TimeSpan Timeout, WebSocketDeflateOptions? Deflate)> KeepAliveAsync(HeartbeatOptions heartbeat, TransportOptions transport)
    {
        (TimeSpan, TimeSpan, WebSocketDeflateOptions?)? seen = null;
        var appConfigure = transport.Configure;
        var capturing = transport with
        {
            Configure = o =>
            {
                appConfigure?.Invoke(o);
                seen = (o.KeepAliveInterval, o.KeepAliveTimeout, o.DangerousDeflateOptions);
                throw new InvalidOperationException("stop before the network");
            },
        };
        await using var h = new Harness(o => o with
        {
            Connector = null, // the default ClientWebSocketConnector, built from Transport and Heartbeat
            Heartbeat = heartbeat,
            Transport = capturing,
            Reconnect = o.Reconnect with { RetryFirstConnect = false },
        });

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.StartAsync().Safe());

        Assert.Equal(CloseReason.NotRetried, ex.Reason);
        return seen ?? throw new InvalidOperationException("Configure was not called.");
    }
}
