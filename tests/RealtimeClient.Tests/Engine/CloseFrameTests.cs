using System.Net.WebSockets;

namespace RealtimeClient.Tests.Engine;

/// <summary>
/// The client's own close frames reach the server: the answer to the server's close, and the close of a dispose. Found by
/// the interop matrix (issue 12): the socket was aborted under them as soon as the session ended.
/// </summary>
public sealed class CloseFrameTests
{
    [Fact]
    public async Task Dispose_with_no_write_under_way_sends_a_close_frame_the_server_receives()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();

        await h.Connection.DisposeAsync(); // the connection only: disposing the harness would also drop the server's end

        var (status, description) = await server.ClientClosed.Safe();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        Assert.Equal("disposed", description);
    }

    [Fact]
    public async Task The_answer_to_the_servers_close_is_written_whole_even_when_the_socket_takes_it_slowly()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();

        var answer = server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "going away");
        await server.ClientWriteBlocked.Safe();
        server.ReleaseClientWrites();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, (await answer.Safe()).Status);
        var reconnecting = await h.States.FirstAsync(s => s.Current == ConnectionState.Reconnecting);
        Assert.Equal(DisconnectKind.ServerClosed, reconnecting.Disconnect!.Kind);
    }
}
