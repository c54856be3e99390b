namespace RealtimeClient.Tests.Engine;

public class SmokeTests
{
    [Fact]
    public async Task Connects_sends_and_receives()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        var received = new Recorder<InboundMessage>(h.Connection.Messages);
        await h.Connection.SendAsync("hello");
        var frame = await server.ReceiveAsync().WaitAsync(Harness.Safety);
        Assert.Equal("hello", frame.Text);
        await server.SendTextAsync("{\"type\":\"x\"}");
        var message = await received.FirstAsync(_ => true);
        Assert.Equal("{\"type\":\"x\"}", message.Text);
        await h.Connection.StopAsync();
        Assert.Equal(ConnectionState.Closed, h.Connection.State);
    }
}
