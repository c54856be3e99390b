using System.Net;
using System.Net.WebSockets;
using NSubstitute;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>The token provider: told why it is called, asked again when the server refuses its token, retried when it throws; tokens that expire every hour.</summary>
public sealed class AuthenticationTests
{
    [Fact]
    public async Task The_provider_is_told_first_connect_then_reconnect_with_the_attempt_number()
    {
        var provider = new RecordingProvider();
        await using var h = new Harness(o => o with { Authentication = new AuthenticationOptions { TokenProvider = provider.GetTokenAsync } });
        var server = await h.StartAndAcceptAsync();
        server.Abort();
        h.Server.EnqueueHandshake(Handshake.Fail());
        await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));
        await h.ReconnectAsync();

        Assert.Equal(
            [new TokenRequest(TokenRequestReason.FirstConnect, 1), new TokenRequest(TokenRequestReason.Reconnect, 2), new TokenRequest(TokenRequestReason.Reconnect, 3)],
            provider.Requests);
        Assert.Equal(["Bearer token-1", "Bearer token-2", "Bearer token-3"], h.Server.Requests.Select(r => r.Headers["Authorization"]));
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task A_refused_handshake_asks_the_provider_for_a_fresh_token_and_says_why(HttpStatusCode status)
    {
        var provider = new RecordingProvider();
        await using var h = new Harness(o => o with { Authentication = new AuthenticationOptions { TokenProvider = provider.GetTokenAsync } });
        h.Server.EnqueueHandshake(Handshake.Refuse(status));
        h.Connection.Start();

        await h.ReconnectAsync();

        var refused = provider.Requests[1];
        Assert.Equal(TokenRequestReason.TokenRefused, refused.Reason);
        Assert.Equal(2, refused.Attempt);
        Assert.Equal(DisconnectKind.HandshakeRejected, refused.Refusal?.Kind);
        Assert.Equal(status, refused.Refusal?.HttpStatus);
        Assert.Equal("Bearer token-2", h.Server.Requests[^1].Headers["Authorization"]);
    }

    [Fact]
    public async Task A_close_code_listed_as_token_expired_refreshes_the_token_and_reconnects()
    {
        var provider = new RecordingProvider();
        await using var h = new Harness(o => o with
        {
            Authentication = new AuthenticationOptions { TokenProvider = provider.GetTokenAsync, RefreshTokenOnCloseStatuses = [4001] },
        });
        var server = await h.StartAndAcceptAsync();

        await server.CloseAsync(4001, "token expired").Safe();

        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(DisconnectKind.ServerClosed, reconnecting.Disconnect?.Kind);
        Assert.Equal((WebSocketCloseStatus)4001, reconnecting.Disconnect?.CloseStatus);
        await h.AdvanceByRetryDelayAsync(reconnecting);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Equal(TokenRequestReason.TokenRefused, provider.Requests[^1].Reason);
        Assert.Equal((WebSocketCloseStatus)4001, provider.Requests[^1].Refusal?.CloseStatus);
        Assert.Equal("token expired", provider.Requests[^1].Refusal?.CloseDescription);
    }

    [Fact]
    public async Task Close_1008_with_a_token_provider_means_token_expired_by_default_not_a_fatal_close()
    {
        var provider = new RecordingProvider();
        await using var h = new Harness(o => o with { Authentication = new AuthenticationOptions { TokenProvider = provider.GetTokenAsync } });
        var server = await h.StartAndAcceptAsync();

        await server.CloseAsync(WebSocketCloseStatus.PolicyViolation, "token expired").Safe();

        await h.ReconnectAsync();
        Assert.Equal(TokenRequestReason.TokenRefused, provider.Requests[^1].Reason);
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Closed);
    }

    [Fact]
    public async Task A_token_refused_again_right_after_the_refresh_closes_with_AuthenticationFailed()
    {
        var provider = new RecordingProvider();
        await using var h = new Harness(o => o with
        {
            Authentication = new AuthenticationOptions { TokenProvider = provider.GetTokenAsync, RefreshTokenOnCloseStatuses = [4001] },
        });
        var server = await h.StartAndAcceptAsync();
        await server.CloseAsync(4001, "token expired").Safe();
        await h.ReconnectAsync();
        var again = h.Server.Connections[^1];

        await again.CloseAsync(4001, "token expired").Safe(); // the fresh token is refused at once

        var closed = await h.States.SkipToAsync(s => s.Current == ConnectionState.Closed);
        Assert.Equal(CloseReason.AuthenticationFailed, closed.CloseReason);
        Assert.Equal((WebSocketCloseStatus)4001, closed.Disconnect?.CloseStatus);
    }

    [Fact]
    public async Task A_refreshed_token_the_handshake_accepted_may_be_refreshed_again_after_a_short_connection()
    {
        // Found by the fault-injection suite: 401, refresh, connected, dropped within MinimumUptime by a network fault,
        // then another 401 (the token was revoked again). The refreshed token WAS accepted, so the second refusal is a new
        // one and deserves its own refresh, not AuthenticationFailed.
        var provider = new RecordingProvider();
        await using var h = new Harness(o => o with { Authentication = new AuthenticationOptions { TokenProvider = provider.GetTokenAsync } });
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.Unauthorized));
        h.Connection.Start();
        var first = await h.ReconnectAsync();

        first.Abort(); // a fault, long before MinimumUptime
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.Unauthorized));
        await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting)); // the retry after the drop: 401
        await h.ReconnectAsync(); // the retry after the second 401, with a fresh token

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.Equal(2, provider.Requests.Count(r => r.Reason == TokenRequestReason.TokenRefused));
        Assert.DoesNotContain(h.States.Values, s => s.CloseReason == CloseReason.AuthenticationFailed);
    }

    [Fact]
    public async Task The_refresh_keeps_working_when_the_app_sets_its_own_reconnect_policy()
    {
        var policy = Substitute.For<IReconnectPolicy>();
        policy.NextDelay(Arg.Any<ReconnectContext>()).Returns(TimeSpan.FromMilliseconds(100));
        var provider = new RecordingProvider();
        await using var h = new Harness(o => o with
        {
            Reconnect = o.Reconnect with { Policy = policy },
            Authentication = new AuthenticationOptions { TokenProvider = provider.GetTokenAsync },
        });
        h.Server.EnqueueHandshake(Handshake.Refuse(HttpStatusCode.Unauthorized));

        h.Connection.Start();
        var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(TimeSpan.FromMilliseconds(100), reconnecting.RetryDelay);
        await h.AdvanceByRetryDelayAsync(reconnecting);
        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);

        Assert.Equal([TokenRequestReason.FirstConnect, TokenRequestReason.TokenRefused], provider.Requests.Select(r => r.Reason));
        policy.Received(1).NextDelay(Arg.Is<ReconnectContext>(c => c.LastDisconnect.HttpStatus == HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task A_provider_that_throws_is_reported_as_the_cause_and_retried_with_backoff()
    {
        var calls = 0;
        await using var h = new Harness(o => o with
        {
            Authentication = new AuthenticationOptions
            {
                TokenProvider = (_, _) => Interlocked.Increment(ref calls) <= 2
                    ? throw new InvalidOperationException("identity server unreachable")
                    : ValueTask.FromResult<string?>("token"),
            },
        });
        h.Connection.Start();

        for (var failed = 1; failed <= 2; failed++)
        {
            var reconnecting = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
            Assert.Equal(failed + 1, reconnecting.Attempt);
            Assert.Equal(DisconnectKind.TokenProviderFailed, reconnecting.Disconnect?.Kind);
            Assert.IsType<InvalidOperationException>(reconnecting.Disconnect?.Exception);
            Assert.Contains("identity server unreachable", reconnecting.Disconnect?.Cause, StringComparison.Ordinal);
            var ceiling = Backoff.Ceiling(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), failed);
            Backoff.AssertWithin(reconnecting.RetryDelay!.Value, ceiling / 2, ceiling, "delay after a failed token provider");
            await h.AdvanceByRetryDelayAsync(reconnecting);
        }

        await h.States.SkipToAsync(s => s.Current == ConnectionState.Connected);
        Assert.Single(h.Server.Requests); // no attempt reached the server without a token
        Assert.Empty(h.Errors.Values);
    }

    [Fact]
    public async Task A_provider_that_returns_null_sends_no_token()
    {
        await using var h = new Harness(o => o with { Authentication = new AuthenticationOptions { TokenProvider = (_, _) => ValueTask.FromResult<string?>(null) } });

        await h.StartAndAcceptAsync();

        Assert.False(h.Server.Requests[0].Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task A_token_in_the_query_string_keeps_the_addresses_own_query()
    {
        await using var h = new Harness(o => o with
        {
            Uri = new Uri("ws://test.invalid/ws?room=1"),
            Authentication = new AuthenticationOptions { Placement = TokenPlacement.QueryString, TokenProvider = (_, _) => ValueTask.FromResult<string?>("a b+c") },
        });

        await h.StartAndAcceptAsync();

        Assert.Equal("?room=1&access_token=a%20b%2Bc", h.Server.Requests[0].Uri.Query);
        Assert.False(h.Server.Requests[0].Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task An_hourly_token_survives_ten_expiries_on_virtual_time()
    {
        // The server accepts a token for one hour and closes with 4001 when it expires; a caching provider returns its
        // cached token unless it is told the server refused it.
        var clock = (TimeProvider?)null;
        var expiries = new Dictionary<string, DateTimeOffset>();
        var provider = new RecordingProvider(cache: true, issued: token =>
        {
            lock (expiries)
            {
                expiries[token] = clock!.GetUtcNow() + TimeSpan.FromHours(1);
            }
        });
        await using var h = new Harness(o => o with
        {
            Authentication = new AuthenticationOptions { TokenProvider = provider.GetTokenAsync, RefreshTokenOnCloseStatuses = [4001] },
        });
        clock = h.Clock;
        h.Server.DefaultHandshake = Handshake.Run((request, _) =>
        {
            var token = request.Headers["Authorization"]["Bearer ".Length..];
            lock (expiries)
            {
                return expiries[token] > h.Clock.GetUtcNow() ? ValueTask.CompletedTask : throw new HandshakeRejectedException(HttpStatusCode.Unauthorized);
            }
        });
        var server = await h.StartAndAcceptAsync();

        for (var hour = 1; hour <= 10; hour++)
        {
            await h.Connection.SendTextAsync($"hour {hour}").Safe();
            Assert.Equal($"hour {hour}", (await server.ReceiveAsync().Safe()).Text);

            h.Clock.Advance(TimeSpan.FromHours(1));
            await server.CloseAsync(4001, "token expired").Safe();
            server = await h.ReconnectAsync();
            Assert.Equal($"Bearer token-{hour + 1}", server.Request.Headers["Authorization"]);
        }

        Assert.Equal(11, h.Server.Requests.Count); // no attempt was refused: every refresh was asked for at once
        Assert.Equal(TokenRequestReason.FirstConnect, provider.Requests[0].Reason);
        Assert.All(provider.Requests.Skip(1), r => Assert.Equal(TokenRequestReason.TokenRefused, r.Reason));
        Assert.DoesNotContain(h.States.Values, s => s.Current == ConnectionState.Closed);
        Assert.All(h.States.Values.Where(s => s.Current == ConnectionState.Reconnecting), s => Assert.Equal(1, s.Attempt));
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    /// <summary>A token provider that records why it was asked; with <c>cache</c>, it issues a new token only when the old one was refused.</summary>
    private sealed class RecordingProvider(bool cache = false, Action<string>? issued = null)
    {
        private readonly List<TokenRequest> _requests = [];
        private string? _cached;
        private int _count;

        public IReadOnlyList<TokenRequest> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public ValueTask<string?> GetTokenAsync(TokenRequest request, CancellationToken cancellationToken)
        {
            lock (_requests)
            {
                _requests.Add(request);
                if (!cache || _cached is null || request.Reason == TokenRequestReason.TokenRefused)
                {
                    _cached = $"token-{++_count}";
                    issued?.Invoke(_cached);
                }

                return ValueTask.FromResult<string?>(_cached);
            }
        }
    }
}
