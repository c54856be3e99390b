using System.Net.WebSockets;
using static RealtimeClient.Tests.Delivery.DeliveryKit;

namespace RealtimeClient.Tests.Delivery;

/// <summary>The outbound channel lets go of a socket without cutting what the socket still has to say.</summary>
public sealed class OutboundChannelTests
{
    [Fact]
    public async Task DisposeAsync_sends_its_close_frame_when_no_write_is_under_way()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();

        // The connection only: disposing the harness would also drop the server's side before it read the close.
        await h.Connection.DisposeAsync();

        Assert.Equal((WebSocketCloseStatus.NormalClosure, "disposed"), await server.ClientClosed.Safe());
    }

    [Fact]
    public async Task DisposeAsync_aborts_a_write_under_way_at_once_and_fails_its_send_as_Interrupted()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        server.BlockClientWrites();
        var send = h.Connection.SendTextAsync("blocked").AsTask();
        await server.ClientWriteBlocked.Safe();

        await h.Connection.DisposeAsync();

        Assert.Equal(DeliveryFailureReason.Interrupted, (await FailureOf(send)).Reason); // cut under its write: it may have left
        Assert.Equal((null, null), await server.ClientClosed.Safe());
    }
}
