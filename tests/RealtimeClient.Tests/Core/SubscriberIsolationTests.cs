using NSubstitute;

namespace RealtimeClient.Tests.Core;

/// <summary>A throwing subscriber never touches the connection.</summary>
public class SubscriberIsolationTests
{
    [Fact]
    public async Task A_StateChanges_subscriber_that_throws_does_not_stop_the_connection()
    {
        await using var h = new Harness();
        var thrower = Substitute.For<IObserver<StateChange>>();
        thrower.When(o => o.OnNext(Arg.Any<StateChange>())).Do(_ => throw new InvalidOperationException("subscriber failure (test)"));
        using var subscription = h.Connection.StateChanges.Subscribe(thrower);

        var server = await h.StartAndAcceptAsync();
        var failed = await h.Errors.FirstAsync(e => e.Kind == ErrorKind.SubscriberFailed);
        Assert.IsType<InvalidOperationException>(failed.Exception);
        Assert.Contains("StateChanges", failed.Message, StringComparison.Ordinal);

        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        thrower.Received(2).OnNext(Arg.Any<StateChange>()); // Connecting, Connected: it stays subscribed
        Assert.Equal(2, h.Errors.Values.Count(e => e.Kind == ErrorKind.SubscriberFailed));
        Assert.DoesNotContain(h.States.Values, s => s.Current is ConnectionState.Reconnecting or ConnectionState.Closed);

        using var messages = new Recorder<InboundMessage>(h.Connection.Messages);
        await h.Connection.SendTextAsync("ping").AsTask().Safe();
        Assert.Equal("ping", (await server.ReceiveAsync().Safe()).Text);
        await server.SendTextAsync("pong").Safe();
        Assert.Equal("pong", (await messages.FirstAsync(_ => true)).Text);

        await h.Connection.StopAsync().Safe();
        Assert.Equal(ConnectionState.Closed, h.Connection.State);
        thrower.Received(3).OnNext(Arg.Any<StateChange>());
        thrower.DidNotReceive().OnError(Arg.Any<Exception>());
    }

    [Fact]
    public async Task Subscribers_of_Messages_Envelopes_and_typed_streams_that_throw_leave_the_connection_and_each_other_alone()
    {
        await using var h = new Harness();
        var server = await h.StartAndAcceptAsync();
        var rawThrower = Substitute.For<IObserver<InboundMessage>>();
        rawThrower.When(o => o.OnNext(Arg.Any<InboundMessage>())).Do(_ => throw new InvalidOperationException("raw"));
        var typedThrower = Substitute.For<IObserver<ChatMessage>>();
        typedThrower.When(o => o.OnNext(Arg.Any<ChatMessage>())).Do(_ => throw new InvalidOperationException("typed"));
        using var s1 = h.Connection.Messages.Subscribe(rawThrower);
        using var s2 = h.Connection.On<ChatMessage>("chat").Subscribe(typedThrower);
        using var chats = new Recorder<ChatMessage>(h.Connection.On<ChatMessage>("chat"));
        using var errorsThrower = h.Connection.Errors.Subscribe(System.Reactive.Observer.Create<RealtimeError>(_ => throw new InvalidOperationException("errors")));

        for (var i = 1; i <= 3; i++)
        {
            await server.SendTextAsync($$$"""{"type":"chat","data":{"id":"{{{i}}}","text":"t"}}""");
        }

        await chats.FirstAsync(c => c.Id == "3");
        await h.Errors.FirstAsync(e => e.Exception?.Message == "typed" && e.Excerpt!.Contains("\"3\"", StringComparison.Ordinal));
        Assert.Equal(3, h.Errors.Values.Count(e => e.Exception?.Message == "raw"));
        Assert.Equal(3, h.Errors.Values.Count(e => e.Exception?.Message == "typed"));
        typedThrower.Received(3).OnNext(Arg.Any<ChatMessage>());
        Assert.Equal(ConnectionState.Connected, h.Connection.State);
        await h.Connection.SendTextAsync("still sending").AsTask().Safe();
        Assert.Equal("still sending", (await server.ReceiveAsync().Safe()).Text);
    }
}
