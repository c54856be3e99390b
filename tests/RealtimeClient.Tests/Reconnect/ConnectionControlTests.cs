using System.Net;
using System.Net.WebSockets;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>Address failover and the app's own <see cref="RealtimeConnection.ReconnectAsync"/>.</summary>
public sealed class ConnectionControlTests
{
    private static readonly Uri Primary = new("ws://primary.invalid/ws");
    private static readonly Uri Secondary = new("ws://secondary.invalid/ws");

    [Fact]
    public async Task A_refused_first_address_fails_over_to_the_second()
    {
        await using var h = new Harness(o => o with { Uris = [Primary, Secondary] });
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.ServiceUnavailable));
        h.Connection.Start();

        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        await h.AdvanceByRetryDelayAsync(reconnecting);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);

        Assert.Equal([Primary, Secondary], h.Server.Requests.Select(r => r.Uri));
    }

    [Fact]
    public async Task Attempts_rotate_through_the_addresses_and_back_to_the_first()
    {
        await using var h = new Harness(o => o with { Uris = [Primary, Secondary] });
        h.Server.EnqueueHandshake(Handshake.Fail(), Handshake.Fail(), Handshake.Fail());
        h.Connection.Start();
        for (var i = 0; i < 3; i++)
        {
            await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));
        }

        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Equal([Primary, Secondary, Primary, Secondary], h.Server.Requests.Select(r => r.Uri));
    }

    [Fact]
    public async Task Uris_win_over_Uri_when_both_are_set()
    {
        await using var h = new Harness(o => o with { Uri = Primary, Uris = [Secondary] });
        await h.StartAndAcceptAsync();

        Assert.Equal(Secondary, h.Server.Requests.Single().Uri);
    }

    [Fact]
    public async Task ReconnectAsync_replaces_a_live_connection_at_once_and_returns_when_connected_again()
    {
        await using var h = new Harness();
        var first = await h.StartAndAcceptAsync();
        var before = h.Clock.GetUtcNow();

        await h.Connection.ReconnectAsync().Safe();

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(ConnectionState.Connected, reconnecting.Previous);
        Assert.Equal(DisconnectKind.ReconnectRequested, reconnecting.Disconnect?.Kind);
        Assert.Equal(TimeSpan.Zero, reconnecting.RetryDelay);
        Assert.Equal(1, reconnecting.Attempt);
        Assert.Equal(1, (await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected)).Attempt);

        // The old socket was closed politely.
        Assert.Equal((WebSocketCloseStatus.NormalClosure, "reconnecting"), await first.ClientClosed.Safe());
        await first.ClientDisconnected.Safe();
        var second = await h.Server.AcceptAsync().Safe();
        Assert.NotSame(first, second);
        Assert.Equal(before, h.Clock.GetUtcNow());
        Assert.Empty(h.Errors.Values);

        await h.Connection.SendTextAsync("after").Safe();
        Assert.Equal("after", (await second.ReceiveAsync().Safe()).Text);
    }

    [Fact]
    public async Task ReconnectAsync_cuts_a_backoff_wait_short()
    {
        await using var h = new Harness(o => o with
        {
            Reconnect = o.Reconnect with { InitialDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(60) },
        });
        h.Server.EnqueueHandshake(Handshake.Fail());
        h.Connection.Start();
        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        var delay = reconnecting.RetryDelay!.Value;
        await h.Clock.WaitForTimerAsync(t => t == delay).Safe();
        var before = h.Clock.GetUtcNow();

        await h.Connection.ReconnectAsync().Safe();

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.Equal(2, h.Server.Requests.Count);
        Assert.Equal(before, h.Clock.GetUtcNow());
        var cut = await h.States.SkipToAsync(_ => true);
        Assert.Equal((ConnectionState.Reconnecting, ConnectionState.Reconnecting), (cut.Previous, cut.Current));
        Assert.Equal(TimeSpan.Zero, cut.RetryDelay);
        Assert.Equal(ConnectionState.Connected, (await h.States.SkipToAsync(_ => true)).Current);
        Assert.DoesNotContain(h.Clock.PendingDueTimes(), d => d == delay); // the cut wait is gone, not left to fire later
    }

    [Fact]
    public async Task ReconnectAsync_waits_through_failed_attempts_until_a_connection_is_made()
    {
        await using var h = new Harness();
        await h.StartAndAcceptAsync();
        h.Server.EnqueueHandshake(Handshake.Fail());

        var reconnect = h.Connection.ReconnectAsync();

        var failed = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting && s.Disconnect?.Kind == DisconnectKind.ConnectFailed);
        Assert.False(reconnect.IsCompleted);
        await h.AdvanceByRetryDelayAsync(failed);
        await reconnect.Safe();
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.Equal(3, h.Server.Requests.Count);
    }

    [Fact]
    public async Task ReconnectAsync_fails_with_the_close_reason_when_the_connection_closes_for_good_instead()
    {
        await using var h = new Harness();
        await h.StartAndAcceptAsync();
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.Unauthorized));

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.ReconnectAsync().Safe());

        Assert.Equal(CloseReason.AuthenticationFailed, ex.Reason);
        Assert.Equal(HttpStatusCode.Unauthorized, ex.Disconnect?.HttpStatus);
        Assert.Equal(ConnectionState.Closed, h.Connection.State);
    }

    [Fact]
    public async Task ReconnectAsync_on_a_connection_that_is_not_running_fails_at_once()
    {
        await using var h = new Harness();

        await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.ReconnectAsync().Safe());

        await h.StartAndAcceptAsync();
        await h.Connection.StopAsync().Safe();
        await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.ReconnectAsync().Safe());
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task Cancelling_ReconnectAsync_stops_the_wait_but_not_the_reconnect()
    {
        await using var h = new Harness();
        await h.StartAndAcceptAsync();
        h.Server.EnqueueHandshake(Handshake.Fail());
        using var cts = new CancellationTokenSource();

        var reconnect = h.Connection.ReconnectAsync(cts.Token);
        var failed = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting && s.Disconnect?.Kind == DisconnectKind.ConnectFailed);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reconnect.Safe());
        await h.AdvanceByRetryDelayAsync(failed);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
    }
}
