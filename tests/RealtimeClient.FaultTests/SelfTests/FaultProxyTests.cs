using System.Net.Sockets;
using RealtimeClient.FaultTests.Proxy;
using RealtimeClient.FaultTests.Support;

namespace RealtimeClient.FaultTests.SelfTests;

/// <summary>Each control of <see cref="FaultProxy"/> does what it says, seen from bare sockets on both ends.</summary>
public sealed class FaultProxyTests
{
    [Fact]
    public async Task Forwards_both_ways_and_counts_bytes_and_connections()
    {
        using var target = new TcpTarget();
        await using var proxy = new FaultProxy(target.Port);
        using var client = await SocketIo.ConnectAsync(proxy.Port);
        using var server = await target.AcceptAsync();

        await SocketIo.SendAsync(client, "hello");
        Assert.Equal("hello", await SocketIo.ReadTextAsync(server, 5));
        await SocketIo.SendAsync(server, "abc");
        Assert.Equal("abc", await SocketIo.ReadTextAsync(client, 3));

        Assert.Equal(1, proxy.ConnectionsForwarded);
        Assert.Equal(5, proxy.BytesToServer);
        Assert.Equal(3, proxy.BytesToClient);
        var connection = Assert.Single(proxy.OpenConnections);
        Assert.Equal((5L, 3L), (connection.BytesToServer, connection.BytesToClient));
    }

    [Fact]
    public async Task Cut_closes_both_sides_with_a_fin()
    {
        using var target = new TcpTarget();
        await using var proxy = new FaultProxy(target.Port);
        using var client = await SocketIo.ConnectAsync(proxy.Port);
        using var server = await target.AcceptAsync();
        var connection = await proxy.WaitForConnectionAsync(1, Bounded.Token());

        proxy.CutAll();

        Assert.Equal("fin", await SocketIo.ReadEndAsync(client));
        Assert.Equal("fin", await SocketIo.ReadEndAsync(server));
        client.Shutdown(SocketShutdown.Send);
        server.Shutdown(SocketShutdown.Send);
        await connection.Completed.WaitAsync(Bounded.Wait);
        Assert.Empty(proxy.OpenConnections);
    }

    [Fact]
    public async Task Reset_resets_both_sides()
    {
        using var target = new TcpTarget();
        await using var proxy = new FaultProxy(target.Port);
        using var client = await SocketIo.ConnectAsync(proxy.Port);
        using var server = await target.AcceptAsync();
        var connection = await proxy.WaitForConnectionAsync(1, Bounded.Token());

        proxy.ResetAll();

        Assert.Equal("reset", await SocketIo.ReadEndAsync(client));
        Assert.Equal("reset", await SocketIo.ReadEndAsync(server));
        await connection.Completed.WaitAsync(Bounded.Wait);
    }

    [Fact]
    public async Task Freeze_holds_data_in_both_directions_with_the_sockets_open_until_thaw()
    {
        using var target = new TcpTarget();
        await using var proxy = new FaultProxy(target.Port);
        using var client = await SocketIo.ConnectAsync(proxy.Port);
        using var server = await target.AcceptAsync();
        var connection = await proxy.WaitForConnectionAsync(1, Bounded.Token());

        proxy.FreezeAll();
        await SocketIo.SendAsync(client, "up");
        await connection.Holding.WaitAsync(Bounded.Wait);
        Assert.True(connection.IsFrozen);
        Assert.Equal(0, server.Available);
        Assert.Equal(0, connection.BytesToServer);
        proxy.ThawAll();
        Assert.Equal("up", await SocketIo.ReadTextAsync(server, 2));

        connection.Freeze();
        await SocketIo.SendAsync(server, "down");
        await connection.Holding.WaitAsync(Bounded.Wait);
        Assert.Equal(0, client.Available);
        Assert.Equal(0, connection.BytesToClient);
        connection.Thaw();
        Assert.Equal("down", await SocketIo.ReadTextAsync(client, 4));
    }

    [Fact]
    public async Task A_connection_opened_during_a_freeze_is_frozen_too()
    {
        using var target = new TcpTarget();
        await using var proxy = new FaultProxy(target.Port);
        proxy.FreezeAll();
        using var client = await SocketIo.ConnectAsync(proxy.Port);
        using var server = await target.AcceptAsync();
        var connection = await proxy.WaitForConnectionAsync(1, Bounded.Token());

        await SocketIo.SendAsync(client, "x");
        await connection.Holding.WaitAsync(Bounded.Wait);
        Assert.Equal(0, server.Available);
        proxy.ThawAll();
        Assert.Equal("x", await SocketIo.ReadTextAsync(server, 1));
    }

    [Fact]
    public async Task Slow_delays_chunks_and_forwards_everything_in_order()
    {
        using var target = new TcpTarget();
        await using var proxy = new FaultProxy(target.Port);
        // Set before the connection opens: a pump already waiting in a read keeps that read's size.
        proxy.Slow(LinkSpeed.Rate(100_000));
        using var client = await SocketIo.ConnectAsync(proxy.Port);
        using var server = await target.AcceptAsync();
        var connection = await proxy.WaitForConnectionAsync(1, Bounded.Token());
        var payload = Enumerable.Range(0, 20_000).Select(i => (byte)(i % 251)).ToArray();

        await client.SendAsync(payload, SocketFlags.None);
        Assert.Equal(payload, await SocketIo.ReadExactlyAsync(server, payload.Length));
        var rateLimited = connection.SlowedChunks;

        connection.Slow(LinkSpeed.Delay(TimeSpan.FromMilliseconds(5)));
        await SocketIo.SendAsync(server, "late");
        Assert.Equal("late", await SocketIo.ReadTextAsync(client, 4));

        Assert.True(rateLimited >= 4, $"a 20,000-byte write at 100,000 B/s is forwarded in chunks of at most 5,000 bytes, each paused; {rateLimited} were");
        Assert.Equal(rateLimited + 1, connection.SlowedChunks);
    }

    [Fact]
    public async Task Refuse_by_accepting_and_closing_forwards_nothing_until_accepting_again()
    {
        using var target = new TcpTarget();
        await using var proxy = new FaultProxy(target.Port);

        proxy.Refuse(RefuseMode.AcceptAndClose);
        using (var refused = await SocketIo.ConnectAsync(proxy.Port))
        {
            Assert.Equal("fin", await SocketIo.ReadEndAsync(refused));
        }

        Assert.Equal((1, 0), (proxy.ConnectionsRefused, proxy.ConnectionsForwarded));

        proxy.AcceptNew();
        using var client = await SocketIo.ConnectAsync(proxy.Port);
        using var server = await target.AcceptAsync();
        await SocketIo.SendAsync(client, "ok");
        Assert.Equal("ok", await SocketIo.ReadTextAsync(server, 2));
        Assert.Equal((1, 1), (proxy.ConnectionsRefused, proxy.ConnectionsForwarded));
    }

    [Fact]
    public async Task Refuse_by_not_listening_is_a_refused_connection_then_the_same_port_listens_again()
    {
        using var target = new TcpTarget();
        await using var proxy = new FaultProxy(target.Port);
        var port = proxy.Port;

        proxy.Refuse(RefuseMode.StopListening);
        var error = await Assert.ThrowsAsync<SocketException>(() => SocketIo.ConnectAsync(port));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);

        proxy.AcceptNew();
        Assert.Equal(port, proxy.Port);
        using var client = await SocketIo.ConnectAsync(port);
        using var server = await target.AcceptAsync();
        await SocketIo.SendAsync(client, "back");
        Assert.Equal("back", await SocketIo.ReadTextAsync(server, 4));
    }

    [Fact]
    public async Task A_target_that_is_down_resets_the_client()
    {
        using var closed = TcpTarget.HoldClosedPort(out var closedPort);
        await using var proxy = new FaultProxy(closedPort);

        Assert.Equal("reset", await SocketIo.ConnectAndReadEndAsync(proxy.Port));
        Assert.Equal((1, 0), (proxy.UpstreamFailures, proxy.ConnectionsForwarded));
    }

    [Fact]
    public async Task A_fault_on_one_connection_leaves_the_others_alone()
    {
        using var target = new TcpTarget();
        await using var proxy = new FaultProxy(target.Port);
        using var first = await SocketIo.ConnectAsync(proxy.Port);
        using var firstServer = await target.AcceptAsync();
        var firstConnection = await proxy.WaitForConnectionAsync(1, Bounded.Token());
        using var second = await SocketIo.ConnectAsync(proxy.Port);
        using var secondServer = await target.AcceptAsync();

        firstConnection.Reset();
        Assert.Equal("reset", await SocketIo.ReadEndAsync(first));

        await SocketIo.SendAsync(second, "alive");
        Assert.Equal("alive", await SocketIo.ReadTextAsync(secondServer, 5));
    }

    [Fact]
    public async Task Dispose_closes_every_connection_even_frozen_ones()
    {
        using var target = new TcpTarget();
        var proxy = new FaultProxy(target.Port);
        using var client = await SocketIo.ConnectAsync(proxy.Port);
        using var server = await target.AcceptAsync();
        await proxy.WaitForConnectionAsync(1, Bounded.Token());
        proxy.FreezeAll();

        await proxy.DisposeAsync().AsTask().WaitAsync(Bounded.Wait);

        Assert.Equal("reset", await SocketIo.ReadEndAsync(client));
        Assert.Equal("reset", await SocketIo.ReadEndAsync(server));
        await Assert.ThrowsAsync<SocketException>(() => SocketIo.ConnectAsync(proxy.Port));
    }
}
