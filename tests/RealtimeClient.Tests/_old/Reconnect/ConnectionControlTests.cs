using System.Net;
using RealtimeClient.Tests.Engine;
using RealtimeClient.Tests.Infrastructure;
using static RealtimeClient.Tests.Reconnect.ReconnectTestKit;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>Address failover and the app's own ReconnectAsync.</summary>
public sealed class ConnectionControlTests
{
    private static readonly Uri Primary = new("ws://primary.invalid/ws");
    private static readonly Uri Secondary = new("ws://secondary.invalid/ws");

    [Fact]
    public async Task A_refused_first_address_fails_over_to_the_second()
    {
        await using var h = new Harness(o => Options(o, uris: [Primary, Secondary]));
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.ServiceUnavailable));
        h.Connection.Start();

        var reconnecting = await log.SkipToAsync(ConnectionState.Reconnecting);
        await AdvanceByRetryDelayAsync(h.Time, reconnecting);
        await log.SkipToAsync(ConnectionState.Connected);

        Assert.Equal(2, h.Server.Requests.Count);
        Assert.Equal(Primary, h.Server.Requests[0].Uri);
        Assert.Equal(Secondary, h.Server.Requests[1].Uri);
    }

    [Fact]
    public async Task Attempts_rotate_through_the_addresses_and_back_to_the_first()
    {
        await using var h = new Harness(o => Options(o, uris: [Primary, Secondary]));
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.EnqueueHandshake(Handshake.Fail(), Handshake.Fail(), Handshake.Fail());
        h.Connection.Start();
        for (var i = 0; i < 3; i++)
        {
            await AdvanceByRetryDelayAsync(h.Time, await log.SkipToAsync(ConnectionState.Reconnecting));
        }

        await log.SkipToAsync(ConnectionState.Connected);
        Assert.Equal([Primary, Secondary, Primary, Secondary], h.Server.Requests.Select(r => r.Uri).ToArray());
    }

    [Fact]
    public async Task ReconnectAsync_replaces_a_live_connection_at_once()
    {
        await using var h = new Harness(o => Options(o));
        using var log = new StateLog(h.Connection.StateChanges);
        var first = await h.StartAndAcceptAsync();
        var before = h.Time.GetUtcNow();

        await h.Connection.ReconnectAsync();

        var reconnecting = await log.SkipToAsync(ConnectionState.Reconnecting);
        Assert.Equal(DisconnectKind.ReconnectRequested, reconnecting.Disconnect?.Kind);
        Assert.Equal(TimeSpan.Zero, reconnecting.RetryDelay);
        await log.SkipToAsync(ConnectionState.Connected);
        var second = await h.Server.AcceptAsync().WaitAsync(Harness.Safety);
        await first.ClientDisconnected.WaitAsync(Harness.Safety);
        Assert.NotSame(first, second);
        Assert.Equal(before, h.Time.GetUtcNow());
        Assert.DoesNotContain(h.Errors.Values, e => e.Kind == ErrorKind.ConnectionLost);

        await h.Connection.SendAsync("after");
        Assert.Equal("after", (await second.ReceiveAsync().WaitAsync(Harness.Safety)).Text);
    }

    [Fact]
    public async Task ReconnectAsync_cuts_a_backoff_wait_short()
    {
        await using var h = new Harness(o => Options(o, new ReconnectOptions { InitialDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(60) }));
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.EnqueueHandshake(Handshake.Fail());
        h.Connection.Start();
        var reconnecting = await log.SkipToAsync(ConnectionState.Reconnecting);
        var delay = reconnecting.RetryDelay!.Value;
        await h.Time.WaitForTimerAsync(t => t == delay).WaitAsync(Harness.Safety);
        var before = h.Time.GetUtcNow();

        await h.Connection.ReconnectAsync();

        await log.SkipToAsync(ConnectionState.Connected);
        Assert.Equal(2, h.Server.Requests.Count);
        Assert.Equal(before, h.Time.GetUtcNow());
    }
}
