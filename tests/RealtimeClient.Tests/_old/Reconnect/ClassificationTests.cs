using System.Net;
using System.Net.WebSockets;
using RealtimeClient.Tests.Engine;
using RealtimeClient.Tests.Infrastructure;
using static RealtimeClient.Tests.Reconnect.ReconnectTestKit;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>How each way a connection or attempt ends is classified: retry, or close for good with which reason.</summary>
public sealed class ClassificationTests
{
    private const int Abort = 1006;

    [Theory]
    [InlineData(1008, null, true)]
    [InlineData(4009, 4009, true)]
    [InlineData(4001, 4001, true)]
    [InlineData(1000, null, false)]
    [InlineData(1001, null, false)]
    [InlineData(1011, null, false)]
    [InlineData(1012, null, false)]
    [InlineData(1013, null, false)]
    [InlineData(4009, null, false)]
    [InlineData(1000, 4009, false)]
    [InlineData(Abort, null, false)]
    public async Task Each_close_code_is_classified_as_documented(int code, int? configuredFatal, bool fatal)
    {
        var fatalStatuses = configuredFatal is { } f ? new HashSet<int> { f } : new HashSet<int>();
        await using var h = new Harness(o => Options(o, new ReconnectOptions { FatalCloseStatuses = fatalStatuses }));
        using var log = new StateLog(h.Connection.StateChanges);
        var server = await h.StartAndAcceptAsync();

        if (code == Abort)
        {
            server.Abort();
        }
        else
        {
            await server.CloseAsync(code, "bye").WaitAsync(Harness.Safety);
        }

        var next = await log.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        if (fatal)
        {
            Assert.Equal(ConnectionState.Closed, next.Current);
            Assert.Equal(CloseReason.FatalCloseStatus, next.CloseReason);
            Assert.Equal(DisconnectKind.ServerClosed, next.Disconnect?.Kind);
            Assert.Equal((WebSocketCloseStatus)code, next.Disconnect?.CloseStatus);
            h.Time.Advance(TimeSpan.FromMinutes(5));
            Assert.Single(h.Server.Requests);
            return;
        }

        Assert.Equal(ConnectionState.Reconnecting, next.Current);
        if (code == Abort)
        {
            Assert.Equal(DisconnectKind.ConnectionLost, next.Disconnect?.Kind);
        }
        else
        {
            Assert.Equal(DisconnectKind.ServerClosed, next.Disconnect?.Kind);
            Assert.Equal((WebSocketCloseStatus)code, next.Disconnect?.CloseStatus);
        }

        // And it really comes back.
        await AdvanceByRetryDelayAsync(h.Time, next);
        await log.SkipToAsync(ConnectionState.Connected);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Handshake_401_with_a_token_provider_retries_once_with_a_fresh_token_then_closes()
    {
        var issued = 0;
        var auth = new AuthenticationOptions { TokenProvider = _ => ValueTask.FromResult<string?>($"token-{Interlocked.Increment(ref issued)}") };
        await using var h = new Harness(o => Options(o, authentication: auth));
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.DefaultHandshake = Handshake.Refuse(HttpStatusCode.Unauthorized);
        h.Connection.Start();

        var reconnecting = await log.SkipToAsync(ConnectionState.Reconnecting);
        Assert.Equal(2, reconnecting.Attempt);
        Assert.Equal(HttpStatusCode.Unauthorized, reconnecting.Disconnect?.HttpStatus);
        await AdvanceByRetryDelayAsync(h.Time, reconnecting);

        var closed = await log.NextAsync();
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(CloseReason.AuthenticationFailed, closed.CloseReason);
        Assert.Equal(2, h.Server.Requests.Count);
        Assert.Equal("Bearer token-1", h.Server.Requests[0].Headers["Authorization"]);
        Assert.Equal("Bearer token-2", h.Server.Requests[1].Headers["Authorization"]);

        h.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Handshake_401_after_a_fresh_token_that_then_works_does_not_use_up_the_refresh_for_later()
    {
        var issued = 0;
        var auth = new AuthenticationOptions { TokenProvider = _ => ValueTask.FromResult<string?>($"token-{Interlocked.Increment(ref issued)}") };
        await using var h = new Harness(o => Options(o, authentication: auth));
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.Unauthorized));
        h.Connection.Start();
        await AdvanceByRetryDelayAsync(h.Time, await log.SkipToAsync(ConnectionState.Reconnecting));
        await log.SkipToAsync(ConnectionState.Connected);
        var server = await h.Server.AcceptAsync().WaitAsync(Harness.Safety);

        // Later the token expires: a 401 after a drop gets one refresh again.
        h.Time.Advance(TimeSpan.FromSeconds(30));
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.Unauthorized));
        server.Abort();
        await AdvanceByRetryDelayAsync(h.Time, await log.SkipToAsync(ConnectionState.Reconnecting));
        var retry = await log.SkipToAsync(ConnectionState.Reconnecting);
        Assert.Equal(HttpStatusCode.Unauthorized, retry.Disconnect?.HttpStatus);
        await AdvanceByRetryDelayAsync(h.Time, retry);
        await log.SkipToAsync(ConnectionState.Connected);
        Assert.Equal("Bearer token-4", h.Server.Requests[^1].Headers["Authorization"]);
    }

    [Fact]
    public async Task Handshake_401_without_a_token_provider_closes_at_once()
    {
        await using var h = new Harness(o => Options(o));
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.DefaultHandshake = Handshake.Refuse(HttpStatusCode.Unauthorized);
        h.Connection.Start();

        var connecting = await log.SkipToAsync(ConnectionState.Connecting);
        var closed = await log.NextAsync();
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(CloseReason.AuthenticationFailed, closed.CloseReason);
        Assert.Equal(HttpStatusCode.Unauthorized, closed.Disconnect?.HttpStatus);
        Assert.Equal(1, connecting.Attempt);
        Assert.Single(h.Server.Requests);
        h.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task A_fatal_inbound_message_closes_for_good_without_another_attempt()
    {
        await using var h = new Harness(o => Options(o, fatalTypes: new HashSet<string> { "kicked" }));
        using var log = new StateLog(h.Connection.StateChanges);
        var server = await h.StartAndAcceptAsync();
        var messages = new Recorder<InboundMessage>(h.Connection.Messages);

        await server.SendTextAsync("{\"type\":\"chat\"}");
        await messages.FirstAsync(m => m.Text == "{\"type\":\"chat\"}");
        Assert.Equal(ConnectionState.Connected, h.Connection.State);

        await server.SendTextAsync("{\"type\":\"kicked\",\"code\":409}");
        var closed = await log.SkipToAsync(s => s.Previous == ConnectionState.Connected);
        Assert.Equal(ConnectionState.Closed, closed.Current);
        Assert.Equal(CloseReason.FatalMessage, closed.CloseReason);
        Assert.Equal(DisconnectKind.FatalMessage, closed.Disconnect?.Kind);
        Assert.Equal("kicked", closed.Disconnect?.MessageType);

        h.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
        Assert.DoesNotContain(log.All, s => s.Current == ConnectionState.Reconnecting);
    }

    [Fact]
    public async Task RetryFirstConnect_off_closes_with_NotRetried_after_the_first_failure()
    {
        await using var h = new Harness(o => Options(o, new ReconnectOptions { RetryFirstConnect = false }));
        using var log = new StateLog(h.Connection.StateChanges);
        h.Server.DefaultHandshake = Handshake.Fail();

        var ex = await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.StartAsync().WaitAsync(Harness.Safety));
        Assert.Equal(CloseReason.NotRetried, ex.Reason);
        Assert.Equal(CloseReason.NotRetried, (await log.SkipToAsync(ConnectionState.Closed)).CloseReason);
        h.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.Server.Requests);
        Assert.DoesNotContain(log.All, s => s.Current == ConnectionState.Reconnecting);
    }

    [Fact]
    public async Task RetryFirstConnect_off_still_reconnects_after_a_connection_was_established()
    {
        await using var h = new Harness(o => Options(o, new ReconnectOptions { RetryFirstConnect = false }));
        using var log = new StateLog(h.Connection.StateChanges);
        var server = await h.StartAndAcceptAsync();
        h.Server.EnqueueHandshake(Handshake.Fail());
        server.Abort();

        var first = await log.SkipToAsync(ConnectionState.Reconnecting);
        await AdvanceByRetryDelayAsync(h.Time, first);
        var second = await log.SkipToAsync(s => s.Previous == ConnectionState.Reconnecting);
        Assert.Equal(ConnectionState.Reconnecting, second.Current);
        await AdvanceByRetryDelayAsync(h.Time, second);
        await log.SkipToAsync(ConnectionState.Connected);
    }
}
