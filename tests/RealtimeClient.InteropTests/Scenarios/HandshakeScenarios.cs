using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RealtimeClient.InteropTests.Client;
using RealtimeClient.InteropTests.Matrix;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.Scenarios;

/// <summary>What the handshake carries, as the server saw it (<c>ctl:handshake</c>): subprotocol, headers, tokens; and that a token never reaches a log line.</summary>
[ScenarioGroup("Handshake", 5)]
public abstract class HandshakeScenarios(InteropPeer peer)
{
    [Fact]
    public async Task The_subprotocol_the_server_chose_is_visible_to_the_app()
    {
        await using var client = await PeerConnection.ConnectAsync(peer, o => o with { SubProtocols = ["chat.v2", "chat.v1"] });

        Assert.Equal("chat.v2", client.Connection.SubProtocol);
        var handshake = await client.HandshakeAsync();
        Assert.Equal("chat.v2, chat.v1", handshake.GetProperty("headers").GetProperty("sec-websocket-protocol").GetString());
        Assert.Equal("chat.v2", handshake.GetProperty("subprotocol").GetString());
    }

    [Fact]
    public async Task Custom_headers_and_the_bearer_token_reach_the_server()
    {
        var token = $"header-secret-{RawClient.NewTag()}";
        await using var client = await PeerConnection.ConnectAsync(peer, o => o with
        {
            Headers = new Dictionary<string, string> { ["X-Interop-Check"] = "42", ["X-Tenant"] = "blue" },
            Authentication = new AuthenticationOptions { TokenProvider = (_, _) => ValueTask.FromResult<string?>(token) },
        });

        var headers = (await client.HandshakeAsync()).GetProperty("headers");
        Assert.Equal($"Bearer {token}", headers.GetProperty("authorization").GetString());
        Assert.Equal("42", headers.GetProperty("x-interop-check").GetString());
        Assert.Equal("blue", headers.GetProperty("x-tenant").GetString());
    }

    [Fact]
    public async Task A_token_in_the_query_string_reaches_the_server_and_never_a_log_line()
    {
        var token = $"query-secret-{RawClient.NewTag()}";
        var logs = new FakeLogCollector();
        using var logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        await using var client = await PeerConnection.ConnectAsync(peer, o => o with
        {
            Authentication = new AuthenticationOptions
            {
                TokenProvider = (_, _) => ValueTask.FromResult<string?>(token),
                Placement = TokenPlacement.QueryString,
            },
        }, logging: logging);

        Assert.Equal($"?tag={client.Tag}&access_token={token}", (await client.HandshakeAsync()).GetProperty("query").GetString());

        // Every way a socket ends, and failed attempts while the server is down: each one logs, at some level.
        foreach (var control in new[] { "ctl:close 1011 restarting", "ctl:abort", "ctl:send-invalid-utf8", "ctl:send-text 2000000" })
        {
            await client.SendTextAsync(control);
            await client.NextDisconnectAsync();
            await client.NextStateAsync(ConnectionState.Connected);
        }

        await peer.KillAsync();
        try
        {
            await client.NextDisconnectAsync(); // the socket
            await client.NextDisconnectAsync(); // an attempt while the server is down
        }
        finally
        {
            await peer.StartAsync();
        }

        await client.NextStateAsync(ConnectionState.Connected);
        await client.Connection.StopAsync();

        var records = logs.GetSnapshot();
        Assert.Contains(records, r => r.Level == LogLevel.Trace || r.Level == LogLevel.Debug);
        Assert.Contains(records, r => r.Exception is not null);
        Assert.True(records.Count(r => r.Id.Name == "Connected") >= 6, $"{records.Count} records: {string.Join(Environment.NewLine, records)}");
        foreach (var record in records)
        {
            var everything = string.Join(
                Environment.NewLine,
                [record.Message, record.Exception?.ToString(), .. record.StructuredState?.Select(kv => $"{kv.Key}={kv.Value}") ?? []]);
            Assert.False(everything.Contains(token, StringComparison.Ordinal), $"the token is in a log record: {everything}");
            Assert.DoesNotContain("access_token", everything, StringComparison.Ordinal);
        }

        foreach (var disconnect in client.Disconnects)
        {
            var everything = $"{disconnect.Cause} {disconnect.Exception}";
            Assert.False(everything.Contains(token, StringComparison.Ordinal), $"the token is in a state change: {everything}");
        }
    }
}
