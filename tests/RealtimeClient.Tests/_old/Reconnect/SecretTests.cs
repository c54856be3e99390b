using System.Net;
using RealtimeClient.Tests.Engine;
using RealtimeClient.Tests.Infrastructure;
using static RealtimeClient.Tests.Reconnect.ReconnectTestKit;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>Tokens reach the server and nothing else: no log line, no error event, no exception message.</summary>
public sealed class SecretTests
{
    private const string Secret = "s3cr3t-TOKEN-value";

    [Theory]
    [InlineData(TokenPlacement.Header)]
    [InlineData(TokenPlacement.QueryString)]
    public async Task Tokens_never_appear_in_logs_errors_or_exceptions(TokenPlacement placement)
    {
        var issued = 0;
        var server = new InMemoryWebSocketServer();
        var time = new ManualTimeProvider();
        var logs = new CapturingLoggerFactory();
        var options = new RealtimeOptions
        {
            Uri = new Uri("ws://test.invalid/ws?room=1"),
            Connector = server,
            Heartbeat = new HeartbeatOptions { Message = "{\"type\":\"heartbeat\"}", Interval = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromSeconds(10) },
            Authentication = new AuthenticationOptions
            {
                Placement = placement,
                TokenProvider = _ => ValueTask.FromResult<string?>($"{Secret}-{Interlocked.Increment(ref issued)}"),
            },
        };
        await using var connection = new RealtimeConnection(options, logs, time);
        using var log = new StateLog(connection.StateChanges);
        var errors = new Recorder<RealtimeError>(connection.Errors);

        // A failed attempt, a connection that dies of silence, a refused handshake, then a second refusal: closed.
        server.EnqueueHandshake(Handshake.Fail(), Handshake.Accept, Handshake.Refuse(HttpStatusCode.Unauthorized), Handshake.Refuse(HttpStatusCode.Forbidden));
        var start = connection.StartAsync();
        await AdvanceByRetryDelayAsync(time, await log.SkipToAsync(ConnectionState.Reconnecting));
        await start.WaitAsync(Harness.Safety);
        var accepted = await server.AcceptAsync().WaitAsync(Harness.Safety);
        accepted.GoSilent();
        time.Advance(TimeSpan.FromSeconds(10));
        await AdvanceByRetryDelayAsync(time, await log.SkipToAsync(ConnectionState.Reconnecting));
        await AdvanceByRetryDelayAsync(time, await log.SkipToAsync(ConnectionState.Reconnecting));
        var closed = await log.SkipToAsync(ConnectionState.Closed);
        Assert.Equal(CloseReason.AuthenticationFailed, closed.CloseReason);
        var late = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.WaitUntilConnectedAsync().WaitAsync(Harness.Safety));

        // The token did reach the server on every attempt (so the test is not vacuous).
        Assert.Equal(4, server.Requests.Count);
        foreach (var request in server.Requests)
        {
            var carried = placement == TokenPlacement.Header ? request.Headers["Authorization"] : request.Uri.Query;
            Assert.Contains(Secret, carried, StringComparison.Ordinal);
        }

        var texts = new List<string>(logs.Lines);
        texts.AddRange(errors.Values.Select(e => $"{e} {e.Message} {e.Exception}"));
        texts.AddRange(log.All.Select(s => $"{s} {s.Disconnect?.Exception}"));
        texts.Add(late.ToString());
        Assert.NotEmpty(logs.Lines);
        foreach (var text in texts)
        {
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(Secret), text, StringComparison.Ordinal);
        }

        await server.DisposeAsync();
    }
}
