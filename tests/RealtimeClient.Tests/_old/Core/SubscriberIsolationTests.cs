using RealtimeClient.Tests.Engine;

namespace RealtimeClient.Tests.Core;

/// <summary>A throwing subscriber never touches the connection.</summary>
public class SubscriberIsolationTests
{
    [Fact]
    public async Task A_StateChanges_subscriber_that_throws_does_not_stop_the_connection()
    {
        await using var h = new Harness();
        var thrower = new ThrowingObserver<StateChange>();
        using var subscription = h.Connection.StateChanges.Subscribe(thrower); // throws on the replay already
        Assert.Equal(1, thrower.Calls);
        var failed = await h.Errors.FirstAsync(e => e.Kind == ErrorKind.SubscriberFailed);
        Assert.IsType<InvalidOperationException>(failed.Exception);

        var server = await h.StartAndAcceptAsync();

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        Assert.Equal(3, thrower.Calls); // replay, Connecting, Connected: it stays subscribed
        Assert.Equal(3, h.Errors.Values.Count(e => e.Kind == ErrorKind.SubscriberFailed));
        Assert.DoesNotContain(h.States.Values, s => s.Current is ConnectionState.Reconnecting or ConnectionState.Closed);

        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        await h.Connection.SendAsync("ping").AsTask().Safe();
        Assert.Equal("ping", (await server.ReceiveAsync().Safe()).Text);
        await server.SendTextAsync("pong").Safe();
        Assert.Equal("pong", (await messages.FirstAsync(_ => true)).Text);

        await h.Connection.StopAsync().Safe();
        Assert.Equal(ConnectionState.Closed, h.Connection.State);
        Assert.Equal(4, thrower.Calls);
    }
}
