using System.Net;
using System.Net.WebSockets;
using RealtimeClient.FaultTests.Server;

namespace RealtimeClient.FaultTests.SelfTests;

/// <summary>Each behaviour and control of <see cref="FaultServer"/> does what it says, seen from a bare ClientWebSocket.</summary>
public sealed class FaultServerTests
{
    [Fact]
    public async Task Acknowledges_and_records_a_message_with_an_id()
    {
        await using var server = await FaultServer.StartAsync();
        using var client = await WebSocketProbe.ConnectAsync(server.Uri);

        await client.SendAsync("""{"type":"message","data":{"text":"hello"},"id":"m-1"}""");

        Assert.Equal("""{"type":"ack","id":"m-1"}""", await client.ReceiveAsync());
        var message = Assert.Single(server.Received.All());
        Assert.Equal((1, 1, "m-1", "hello", false), (message.Order, message.Connection, message.Id, message.Text, message.Repeat));
    }

    [Fact]
    public async Task A_repeated_id_is_recorded_as_a_repeat_kept_out_of_first_arrivals_and_acknowledged_again()
    {
        await using var server = await FaultServer.StartAsync();
        using var client = await WebSocketProbe.ConnectAsync(server.Uri);

        await client.SendAsync("""{"type":"message","data":{"text":"a"},"id":"x"}""");
        Assert.Equal("""{"type":"ack","id":"x"}""", await client.ReceiveAsync());
        await client.SendAsync("""{"type":"message","data":{"text":"a"},"id":"x"}""");
        Assert.Equal("""{"type":"ack","id":"x"}""", await client.ReceiveAsync());

        Assert.Equal([false, true], server.Received.All().Select(m => m.Repeat));
        Assert.Equal(["x"], server.Received.FirstArrivals().Select(m => m.Id));
    }

    [Fact]
    public async Task Messages_without_an_id_are_recorded_in_order_and_not_acknowledged_and_heartbeats_are_answered()
    {
        await using var server = await FaultServer.StartAsync();
        using var client = await WebSocketProbe.ConnectAsync(server.Uri);

        await client.SendAsync("""{"type":"message","data":{"text":"one"}}""");
        await client.SendAsync("not json");
        await client.SendAsync("""{"type":"heartbeat"}""");

        // The pong is the first thing that comes back: neither message before it was acknowledged.
        Assert.Equal("""{"type":"heartbeat","message":"pong"}""", await client.ReceiveAsync());
        Assert.Equal(["one", "not json"], server.Received.All().Select(m => m.Text));
        Assert.All(server.Received.All(), m => Assert.Null(m.Id));
    }

    [Fact]
    public async Task Refuses_the_next_handshakes_with_503_then_accepts()
    {
        await using var server = await FaultServer.StartAsync();
        server.RefuseNextHandshakes(2, 503);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await WebSocketProbe.RefusalAsync(server.Uri));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await WebSocketProbe.RefusalAsync(server.Uri));
        using var client = await WebSocketProbe.ConnectAsync(server.Uri);

        Assert.Equal((2, 1, 0), (server.Handshakes.Refused, server.Handshakes.Accepted, server.Handshakes.PendingRefusals));
    }

    [Fact]
    public async Task A_401_revokes_the_token_it_refused_and_a_fresh_token_passes()
    {
        await using var server = await FaultServer.StartAsync();
        server.RefuseNextHandshakes(1, 401);

        Assert.Equal(HttpStatusCode.Unauthorized, await WebSocketProbe.RefusalAsync(server.Uri, "token-1"));
        Assert.Equal(HttpStatusCode.Unauthorized, await WebSocketProbe.RefusalAsync(server.Uri, "token-1"));
        using var client = await WebSocketProbe.ConnectAsync(server.Uri, "token-2");

        Assert.Equal((2, 1), (server.Handshakes.Refused, server.Handshakes.Accepted));
    }

    [Fact]
    public async Task Closes_every_open_connection_with_the_given_code()
    {
        await using var server = await FaultServer.StartAsync();
        using var first = await WebSocketProbe.ConnectAsync(server.Uri);
        using var second = await WebSocketProbe.ConnectAsync(server.Uri);
        await server.WaitForConnectionsAsync(2, Support.Bounded.Token());

        await server.CloseAllAsync(WebSocketCloseStatus.InternalServerError);

        Assert.Equal(WebSocketCloseStatus.InternalServerError, await first.ReceiveCloseAsync());
        Assert.Equal(WebSocketCloseStatus.InternalServerError, await second.ReceiveCloseAsync());
    }

    [Fact]
    public async Task Closes_only_the_connections_of_a_given_path_when_asked()
    {
        await using var server = await FaultServer.StartAsync();
        using var mine = await WebSocketProbe.ConnectAsync(new Uri(server.Uri, "/ws/mine"));
        using var other = await WebSocketProbe.ConnectAsync(new Uri(server.Uri, "/ws/other"));
        await server.WaitForConnectionsAsync(2, Support.Bounded.Token());

        await server.CloseAllAsync((WebSocketCloseStatus)1012, "/ws/mine");

        Assert.Equal((WebSocketCloseStatus)1012, await mine.ReceiveCloseAsync());
        await other.SendAsync("""{"type":"message","data":{"text":"still"},"id":"o"}""");
        Assert.Equal("""{"type":"ack","id":"o"}""", await other.ReceiveAsync());
    }

    [Fact]
    public async Task Closes_the_next_connection_right_after_its_handshake_and_not_the_one_after()
    {
        await using var server = await FaultServer.StartAsync();
        server.CloseNextConnections(1, (WebSocketCloseStatus)1012);

        using var closed = await WebSocketProbe.ConnectAsync(server.Uri);
        Assert.Equal((WebSocketCloseStatus)1012, await closed.ReceiveCloseAsync());

        using var open = await WebSocketProbe.ConnectAsync(server.Uri);
        await open.SendAsync("""{"type":"message","data":{"text":"still"},"id":"s"}""");
        Assert.Equal("""{"type":"ack","id":"s"}""", await open.ReceiveAsync());
    }

    [Fact]
    public async Task A_restart_closes_with_1001_and_comes_back_on_the_same_port_with_its_state()
    {
        await using var server = await FaultServer.StartAsync();
        var port = server.Port;
        using (var before = await WebSocketProbe.ConnectAsync(server.Uri))
        {
            await before.SendAsync("""{"type":"message","data":{"text":"a"},"id":"k"}""");
            Assert.Equal("""{"type":"ack","id":"k"}""", await before.ReceiveAsync());
            var restart = server.RestartAsync(TimeSpan.Zero, keepState: true);
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await before.ReceiveCloseAsync());
            await before.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Support.Bounded.Token());
            await restart;
        }

        Assert.Equal(port, server.Port);
        using var after = await WebSocketProbe.ConnectAsync(server.Uri);
        await after.SendAsync("""{"type":"message","data":{"text":"a"},"id":"k"}""");
        Assert.Equal("""{"type":"ack","id":"k"}""", await after.ReceiveAsync());
        Assert.Equal([false, true], server.Received.All().Select(m => m.Repeat));
        Assert.Equal([1, 2], server.Received.All().Select(m => m.Connection));
    }

    [Fact]
    public async Task A_restart_can_start_from_a_fresh_state()
    {
        await using var server = await FaultServer.StartAsync();
        server.RefuseNextHandshakes(5, 503);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await WebSocketProbe.RefusalAsync(server.Uri));

        await server.RestartAsync(TimeSpan.Zero, keepState: false);

        using var client = await WebSocketProbe.ConnectAsync(server.Uri);
        await client.SendAsync("""{"type":"message","data":{"text":"a"},"id":"k"}""");
        Assert.Equal("""{"type":"ack","id":"k"}""", await client.ReceiveAsync());
        Assert.False(Assert.Single(server.Received.All()).Repeat);
        Assert.Equal((0, 1), (server.Handshakes.Refused, server.Handshakes.Accepted));
    }

    [Fact]
    public async Task A_stopped_server_refuses_connections_at_the_socket()
    {
        await using var server = await FaultServer.StartAsync();
        await server.StopAsync();

        Assert.False(server.IsRunning);
        var error = await Assert.ThrowsAsync<WebSocketException>(() => WebSocketProbe.ConnectAsync(server.Uri));
        var refused = Assert.IsType<System.Net.Sockets.SocketException>(Assert.IsType<HttpRequestException>(error.InnerException).InnerException);
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, refused.SocketErrorCode);
    }
}
