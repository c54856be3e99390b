using System.Net.WebSockets;
using System.Text;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Testing;

/// <summary>
/// Blocked and failing writes of the in-memory transport: what lets the unit suite reach a socket whose peer stopped
/// reading (a full TCP send buffer) and one that is dying under a write.
/// </summary>
public sealed class InMemoryTransportWriteTests : IAsyncLifetime
{
    private readonly InMemoryWebSocketServer _server = new();
    private readonly CancellationTokenSource _hangGuard = new(Wait.Timeout);

    private CancellationToken Ct => _hangGuard.Token;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _hangGuard.Dispose();
    }

    [Fact]
    public async Task A_blocked_stream_holds_every_write_until_released_and_then_delivers_them_in_order()
    {
        var (a, b) = InMemoryDuplexStream.CreatePair();
        await using var _ = a;
        await using var __ = b;
        a.BlockWrites();
        Assert.False(a.HasBlockedWrite);

        var first = a.WriteAsync("one"u8.ToArray()).AsTask();
        await a.WriteBlocked.WaitAsync(Ct);
        Assert.True(a.HasBlockedWrite);
        Assert.False(first.IsCompleted);

        // The other direction is not affected.
        await b.WriteAsync("back"u8.ToArray(), Ct);
        Assert.Equal("back", await ReadAsync(a, 4));

        a.ReleaseWrites();
        await first.WaitAsync(Ct);
        Assert.False(a.HasBlockedWrite);
        await a.WriteAsync("two"u8.ToArray(), Ct); // released for good: later writes go straight through
        Assert.Equal("onetwo", await ReadAsync(b, 6));
    }

    [Fact]
    public async Task A_blocked_write_fails_with_an_IOException_when_its_end_is_disposed()
    {
        var (a, b) = InMemoryDuplexStream.CreatePair();
        await using var _ = b;
        a.BlockWrites();
        var write = a.WriteAsync("lost"u8.ToArray()).AsTask();
        await a.WriteBlocked.WaitAsync(Ct);

        await a.DisposeAsync(); // what aborting the socket does

        await Assert.ThrowsAsync<IOException>(() => write.WaitAsync(Ct));
        Assert.Equal(0, await b.ReadAsync(new byte[8], Ct)); // nothing of it arrived: end of stream
    }

    [Fact]
    public async Task A_blocked_write_honours_its_cancellation_token()
    {
        var (a, b) = InMemoryDuplexStream.CreatePair();
        await using var _ = a;
        await using var __ = b;
        a.BlockWrites();
        using var cts = new CancellationTokenSource();
        var write = a.WriteAsync("never"u8.ToArray(), cts.Token).AsTask();
        await a.WriteBlocked.WaitAsync(Ct);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WaitAsync(Ct));
        Assert.False(a.HasBlockedWrite);
        a.ReleaseWrites();
        await a.WriteAsync("next"u8.ToArray(), Ct);
        Assert.Equal("next", await ReadAsync(b, 4)); // the cancelled write never went out
    }

    [Fact]
    public async Task Failing_writes_throw_an_IOException_from_then_on_while_reads_still_work()
    {
        var (a, b) = InMemoryDuplexStream.CreatePair();
        await using var _ = a;
        await using var __ = b;
        await a.WriteAsync("ok"u8.ToArray(), Ct);

        a.FailWrites();

        await Assert.ThrowsAsync<IOException>(async () => await a.WriteAsync("no"u8.ToArray(), Ct));
        Assert.Throws<IOException>(() => a.Write("no"u8));
        await b.WriteAsync("still"u8.ToArray(), Ct);
        Assert.Equal("still", await ReadAsync(a, 5));
        Assert.Equal("ok", await ReadAsync(b, 2));
    }

    [Fact]
    public async Task A_client_message_is_held_while_writes_are_blocked_and_the_server_still_reaches_the_client()
    {
        using var client = await ConnectAsync();
        var connection = await _server.AcceptAsync(Ct);
        connection.BlockClientWrites();

        var send = client.SendAsync(Encoding.UTF8.GetBytes("held"), WebSocketMessageType.Text, true, Ct);
        await connection.ClientWriteBlocked.WaitAsync(Ct);
        Assert.False(send.IsCompleted);
        Assert.Empty(connection.Received);

        await connection.SendTextAsync("to the client", Ct);
        Assert.Equal("to the client", await ReceiveTextAsync(client));

        connection.ReleaseClientWrites();
        await send.WaitAsync(Ct);
        Assert.Equal("held", (await connection.ReceiveAsync(Ct)).Text);
    }

    [Fact]
    public async Task A_close_frame_is_held_too_and_aborting_the_client_fails_its_blocked_write()
    {
        using var client = await ConnectAsync();
        var connection = await _server.AcceptAsync(Ct);
        connection.BlockClientWrites();

        var close = client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);
        await connection.ClientWriteBlocked.WaitAsync(Ct);
        Assert.False(close.IsCompleted);

        client.Abort();

        await Assert.ThrowsAnyAsync<Exception>(() => close.WaitAsync(Ct));
        await connection.ClientDisconnected.WaitAsync(Ct);
        Assert.Equal((null, null), await connection.ClientClosed.WaitAsync(Ct)); // the close frame never arrived
    }

    [Fact]
    public async Task Failing_client_writes_fail_the_next_message_with_the_IOException_inside()
    {
        using var client = await ConnectAsync();
        var connection = await _server.AcceptAsync(Ct);
        await connection.SendTextAsync("before", Ct);
        Assert.Equal("before", await ReceiveTextAsync(client));

        connection.FailClientWrites();

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(Encoding.UTF8.GetBytes("x"), WebSocketMessageType.Text, true, Ct));
        Assert.True(HasInChain<IOException>(failure), $"Expected an IOException inside {failure}");
        client.Abort(); // the managed socket stays Open after a failed write: the owner aborts it
        Assert.Equal((null, null), await connection.ClientClosed.WaitAsync(Ct));
        Assert.Empty(connection.Received);
    }

    [Fact]
    public async Task Failing_client_writes_fail_a_close_frame_as_on_a_dying_socket()
    {
        using var client = await ConnectAsync();
        var connection = await _server.AcceptAsync(Ct);

        connection.FailClientWrites();

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct));
        Assert.True(HasInChain<IOException>(failure), $"Expected an IOException inside {failure}");
        client.Abort(); // the managed socket stays Open after a failed write: the owner aborts it
        Assert.Equal((null, null), await connection.ClientClosed.WaitAsync(Ct)); // no close frame reached the server
    }

    [Fact]
    public async Task A_connection_send_waits_for_a_blocked_write_and_completes_once_it_is_released()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();

        var send = h.Connection.SendTextAsync("waits").AsTask();
        await server.ClientWriteBlocked.Safe();
        Assert.False(send.IsCompleted);

        server.ReleaseClientWrites();
        await send.Safe();
        Assert.Equal("waits", (await server.ReceiveAsync().Safe()).Text);
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
    }

    private static bool HasInChain<T>(Exception? exception)
        where T : Exception
    {
        for (var x = exception; x is not null; x = x.InnerException)
        {
            if (x is T)
            {
                return true;
            }
        }

        return false;
    }

    private static WebSocketConnectRequest Request() => new(new Uri("ws://fake.test/socket"), new Dictionary<string, string>(), [], 1);

    private async Task<WebSocket> ConnectAsync() => await _server.ConnectAsync(Request(), Ct);

    private async Task<string> ReadAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), Ct);
            Assert.NotEqual(0, n);
            read += n;
        }

        return Encoding.UTF8.GetString(buffer);
    }

    private async Task<string> ReceiveTextAsync(WebSocket client)
    {
        var buffer = new byte[1024];
        using var message = new MemoryStream();
        ValueWebSocketReceiveResult result;
        do
        {
            result = await client.ReceiveAsync(buffer.AsMemory(), Ct);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        return Encoding.UTF8.GetString(message.ToArray());
    }
}
