using ConsoleChat.Client;
using ConsoleChat.Input;
using ConsoleChat.View;
using ConsoleChat.Server;
using SampleServer = ConsoleChat.Server.ChatServer;

using Xunit.Abstractions;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// Issues 6 and 16: the sample console chat end to end, over real loopback sockets. Each client is
/// <see cref="ChatClient.RunAsync"/> in this process, typing through a <see cref="LinePipe"/> and printing to a <see cref="CapturedOutput"/>.
/// </summary>
public sealed class ConsoleChatEndToEndTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Guard = CapturedOutput.Timeout;

    [Fact]
    public async Task Two_clients_chat_through_the_sample_server_and_see_each_others_presence()
    {
        await using var server = await SampleServer.StartAsync(new ChatServerOptions());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var alice = new Chatter(server.Url, "alice", cts.Token);
        await alice.Output.WaitForLineAsync("authenticated as alice");

        var bob = new Chatter(server.Url, "bob", cts.Token);
        await bob.Output.WaitForLineAsync("authenticated as bob");
        await alice.Output.WaitForLineAsync("* bob is online (2 online)");

        alice.Input.Write("hello bob");
        await bob.Output.WaitForLineAsync("alice: hello bob");
        bob.Input.Write("hi alice");
        await alice.Output.WaitForLineAsync("bob: hi alice");

        // Broadcasts reach the sender too, once.
        await alice.Output.WaitForLineAsync("alice: hello bob");
        await bob.Output.WaitForLineAsync("bob: hi alice");

        bob.Input.End();
        Assert.Equal(ExitCodes.Ok, await bob.Exit.WaitAsync(Guard));
        await alice.Output.WaitForLineAsync("* bob went offline (1 online)");
        alice.Input.End();
        Assert.Equal(ExitCodes.Ok, await alice.Exit.WaitAsync(Guard));

        // Connected the whole time: no line was ever shown as pending, though each waited for its ack.
        Assert.DoesNotContain(alice.Output.Lines.Concat(bob.Output.Lines), l => l.Contains("pending", StringComparison.Ordinal));
        Assert.Single(alice.Output.Lines, l => l == "alice: hello bob");
        Assert.Single(bob.Output.Lines, l => l == "alice: hello bob");
        Assert.Single(alice.Output.Lines, l => l == "bob: hi alice");
        Assert.Single(bob.Output.Lines, l => l == "bob: hi alice");
    }

    [Fact]
    public async Task Lines_typed_while_the_server_restarts_on_the_same_port_are_delivered_once_and_in_order()
    {
        var first = await SampleServer.StartAsync(new ChatServerOptions());
        var port = first.Port;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var alice = new Chatter(first.Url, "alice", cts.Token);
        await alice.Output.WaitForLineAsync("authenticated as alice");

        alice.Input.Write("before-1");
        alice.Input.Write("before-2");
        await alice.Output.WaitForLineAsync("alice: before-2");

        await first.StopAsync().WaitAsync(Guard);
        var down = await alice.Output.WaitForLineAsync(l => l.StartsWith("reconnecting:", StringComparison.Ordinal));

        string[] offline = ["offline-1", "offline-2", "offline-3", "offline-4", "offline-5"];
        foreach (var text in offline)
        {
            alice.Input.Write(text);
        }

        // The client says each line is pending while it is offline (lines 3 to 7: before-1 and before-2 were 1 and 2).
        for (var i = 0; i < offline.Length; i++)
        {
            await alice.Output.WaitForLineAsync($"… line {i + 3} pending (offline): {offline[i]}", down);
        }

        await using var second = await SampleServer.StartAsync(new ChatServerOptions { Port = port });
        Assert.Equal(first.Url, second.Url);

        // An independent observer on the new server. If it logs in before alice is back (the usual case: alice waits up
        // to 0.5 s between attempts), it must see every offline line; if alice won the race it may have missed some.
        await using var observer = await RawObserver.ConnectAndAuthenticateAsync(second.Url, "observer");
        var observerFirst = observer.OnlineCountAtLogin == 1;
        log.WriteLine($"observer logged in before alice was back: {observerFirst}");

        var again = await alice.Output.WaitForLineAsync("authenticated again", down);
        for (var i = 0; i < offline.Length; i++)
        {
            await alice.Output.WaitForLineAsync($"✓ line {i + 3} delivered", down);
        }

        await alice.Output.WaitForLineAsync("alice: offline-5", again);
        alice.Input.Write("after-reconnect");
        var observed = await observer.ReadMessagesUntilAsync("after-reconnect").WaitAsync(Guard);
        await alice.Output.WaitForLineAsync("alice: after-reconnect", again);
        alice.Input.End();
        Assert.Equal(ExitCodes.Ok, await alice.Exit.WaitAsync(Guard));

        // Alice's own view: every broadcast of her lines (each a distinct server message) exactly once, in order,
        // and the offline ones only after she authenticated again.
        var lines = alice.Output.Lines;
        string[] all = ["before-1", "before-2", .. offline, "after-reconnect"];
        Assert.Equal(all, lines.Where(l => l.StartsWith("alice: ", StringComparison.Ordinal)).Select(l => l["alice: ".Length..]));
        Assert.True(lines.ToList().IndexOf("alice: offline-1") > again, alice.Output.ToString());
        Assert.DoesNotContain(lines, l => l.StartsWith('✗'));

        // The observer's view: alice's lines once each, in order, under distinct server ids.
        Assert.All(observed, m => Assert.Equal("alice", m.Sender));
        Assert.Equal(observed.Count, observed.Select(m => m.Id).Distinct().Count());
        string[] afterRestart = [.. offline, "after-reconnect"];
        if (observerFirst)
        {
            Assert.Equal(afterRestart, observed.Select(m => m.Text));
        }
        else
        {
            // Alice re-authenticated before the observer: it can only have seen a suffix of her lines.
            Assert.Equal(afterRestart[^observed.Count..], observed.Select(m => m.Text));
            log.WriteLine($"alice was back first; the observer saw {observed.Count} of {afterRestart.Length} lines");
        }
    }

    [Fact]
    public async Task A_second_login_with_the_same_token_kicks_the_first_client_which_exits_3_and_does_not_reconnect()
    {
        var events = new ServerEvents();
        await using var server = await SampleServer.StartAsync(new ChatServerOptions { LoggerFactory = events });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var first = new Chatter(server.Url, "alice", cts.Token);
        await first.Output.WaitForLineAsync("authenticated as alice");
        first.Input.Write("from the first window");
        await first.Output.WaitForLineAsync("alice: from the first window");

        var second = new Chatter(server.Url, "alice", cts.Token);
        Assert.Equal(ExitCodes.Kicked, await first.Exit.WaitAsync(Guard));
        await second.Output.WaitForLineAsync("authenticated as alice");

        // The first client said why, never came back, and only the second connection is left on the server.
        Assert.True(first.Output.Lines.Any(l => l.Contains("server kicked 409", StringComparison.Ordinal)), first.Output.ToString());
        Assert.Single(first.Output.Lines, l => l == "connected");
        Assert.DoesNotContain(first.Output.Lines, l => l == "authenticated again" || l.StartsWith("reconnecting", StringComparison.Ordinal));
        await server.WaitForConnectionCountAsync(1).WaitAsync(Guard);

        // The second one still chats, on the only connection the server has.
        second.Input.Write("from the second window");
        await second.Output.WaitForLineAsync("alice: from the second window");
        Assert.Equal(1, server.ConnectionCount);
        Assert.Equal(2, events.Count(ServerEvents.ConnectionOpened));
        Assert.Equal(1, events.Count(ServerEvents.Kicked));
        Assert.DoesNotContain(first.Output.Lines, l => l == "alice: from the second window");

        second.Input.End();
        Assert.Equal(ExitCodes.Ok, await second.Exit.WaitAsync(Guard));
        await server.WaitForConnectionCountAsync(0).WaitAsync(Guard);
        Assert.Equal(2, events.Count(ServerEvents.ConnectionOpened));
    }

    [Fact]
    public async Task A_refused_token_makes_the_client_exit_4_after_a_single_connection()
    {
        var events = new ServerEvents();
        await using var server = await SampleServer.StartAsync(new ChatServerOptions { LoggerFactory = events });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var client = new Chatter(server.Url, "invalid-x", cts.Token);

        Assert.Equal(ExitCodes.AuthFailed, await client.Exit.WaitAsync(Guard));
        await server.WaitForConnectionCountAsync(0).WaitAsync(Guard);

        // In the user's words: no protocol type names or library enum names.
        Assert.Contains(client.Output.Lines, l => l.Contains("the server refused the token", StringComparison.Ordinal));
        Assert.DoesNotContain(client.Output.Lines, l => l.Contains("auth_failed", StringComparison.Ordinal) || l.Contains("Fatal", StringComparison.Ordinal)
            || l.Contains("AuthenticationFailed", StringComparison.Ordinal));
        Assert.DoesNotContain(client.Output.Lines, l => l.StartsWith("reconnecting", StringComparison.Ordinal) || l.StartsWith("authenticated", StringComparison.Ordinal));
        Assert.Equal(1, events.Count(ServerEvents.ConnectionOpened));
        Assert.Equal(1, events.Count(ServerEvents.AuthFailed));
    }

    /// <summary>One sample client running in this process with short timings.</summary>
    private sealed class Chatter
    {
        public Chatter(Uri url, string token, CancellationToken cancellationToken)
        {
            var options = new ChatClientOptions
            {
                Url = url,
                Token = token,
                HeartbeatInterval = TimeSpan.FromSeconds(1),
                HeartbeatTimeout = TimeSpan.FromSeconds(3),
                ReconnectMin = TimeSpan.FromSeconds(0.1),
                ReconnectMax = TimeSpan.FromSeconds(0.5),
                DrainTimeout = TimeSpan.FromSeconds(20),
                Interactive = false,
            };
            Exit = Task.Run(() => ChatClient.RunAsync(options, new LineInput(Input), new PlainView(Output), cancellationToken), cancellationToken);
        }

        public LinePipe Input { get; } = new();

        public CapturedOutput Output { get; } = new();

        public Task<int> Exit { get; }
    }
}
