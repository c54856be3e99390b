using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>Tokens, query strings and header values reach the server and nothing else: no log line, no state change, no error, no exception message.</summary>
public sealed class SecretTests
{
    private const string Token = "s3cr3t-TOKEN-value";
    private const string QuerySecret = "room-key-Q7x9";
    private const string HeaderSecret = "api-key-H4d3r";

    [Theory]
    [InlineData(TokenPlacement.Header)]
    [InlineData(TokenPlacement.QueryString)]
    public async Task Secrets_never_appear_in_logs_state_changes_errors_or_exceptions(TokenPlacement placement)
    {
        var collector = new FakeLogCollector();
        using var logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(collector)));
        var issued = 0;
        var h = new Harness(
            o => o with
            {
                Uri = new Uri($"ws://test.invalid/ws?room={QuerySecret}"),
                Headers = new Dictionary<string, string> { ["X-Api-Key"] = HeaderSecret },
                Heartbeat = new HeartbeatOptions { Message = "{\"type\":\"heartbeat\"}", Interval = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromSeconds(10) },
                Authentication = new AuthenticationOptions
                {
                    Placement = placement,
                    TokenProvider = (_, _) => ValueTask.FromResult<string?>($"{Token}-{Interlocked.Increment(ref issued)}"),
                },
            },
            logging);
        await using (h)
        {
            // A connect that fails the way the transport reports it (its messages quote the address, query string included),
            // a connection that dies of silence, a refused handshake, then a second refusal: closed.
            h.Server.EnqueueHandshake(
                Handshake.Run((request, _) => throw new WebSocketException(
                    $"Unable to connect to {request.Uri}",
                    new HttpRequestException($"Connection refused ({request.Uri})", new SocketException((int)SocketError.ConnectionRefused)))),
                Handshake.Accept,
                Handshake.Refuse(HttpStatusCode.Unauthorized),
                Handshake.Refuse(HttpStatusCode.Forbidden));
            var start = h.Connection.StartAsync();
            var failed = await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting);
            Assert.Equal(SocketError.ConnectionRefused, failed.Disconnect?.SocketError);
            await h.AdvanceByRetryDelayAsync(failed);
            await start.Safe();
            var accepted = await h.Server.AcceptAsync().Safe();
            accepted.GoSilent();
            h.Clock.Advance(TimeSpan.FromSeconds(10));
            await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));
            await h.AdvanceByRetryDelayAsync(await h.States.SkipToAsync(s => s.Current == ConnectionState.Reconnecting));
            var closed = await h.States.SkipToAsync(s => s.Current == ConnectionState.Closed);
            Assert.Equal(CloseReason.AuthenticationFailed, closed.CloseReason);
            var late = await Assert.ThrowsAsync<ConnectionClosedException>(() => h.Connection.WaitUntilConnectedAsync().Safe());

            // The secrets did reach the server on every attempt (so the test is not vacuous).
            Assert.Equal(4, h.Server.Requests.Count);
            foreach (var request in h.Server.Requests)
            {
                var carried = placement == TokenPlacement.Header ? request.Headers["Authorization"] : request.Uri.Query;
                Assert.Contains(Token, carried, StringComparison.Ordinal);
                Assert.Contains(QuerySecret, request.Uri.Query, StringComparison.Ordinal);
                Assert.Equal(HeaderSecret, request.Headers["X-Api-Key"]);
            }

            var logs = collector.GetSnapshot();
            Assert.Contains(logs, r => r.Level == LogLevel.Trace || r.Level == LogLevel.Debug);
            Assert.Contains(logs, r => r.Exception is not null);
            var texts = new List<string>();
            foreach (var record in logs)
            {
                texts.Add(record.Message);
                texts.Add(record.Exception?.ToString() ?? string.Empty);
                texts.AddRange(record.StructuredState?.Select(p => $"{p.Key}={p.Value}") ?? []);
                texts.AddRange(record.Scopes.Select(s => s?.ToString() ?? string.Empty));
            }

            texts.AddRange(h.Errors.Values.Select(e => $"{e} {e.Message} {e.Exception}"));
            texts.AddRange(h.States.Values.Select(s => $"{s} {s.Disconnect?.Cause} {s.Disconnect?.Exception}"));
            texts.Add(late.ToString());
            foreach (var text in texts)
            {
                foreach (var secret in new[] { Token, QuerySecret, HeaderSecret })
                {
                    Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                    Assert.DoesNotContain(Uri.EscapeDataString(secret), text, StringComparison.Ordinal);
                }

                Assert.DoesNotContain("?room", text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_connect_request_prints_its_host_and_attempt_only()
    {
        var request = new WebSocketConnectRequest(new Uri($"wss://example.invalid/ws?access_token={Token}"), new Dictionary<string, string> { ["Authorization"] = "Bearer " + Token }, [], 3);
        Assert.Equal("WebSocketConnectRequest(host example.invalid, attempt 3)", request.ToString());
    }
}
