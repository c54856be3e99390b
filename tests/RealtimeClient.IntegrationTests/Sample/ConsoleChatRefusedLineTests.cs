using ConsoleChat.Client;
using ConsoleChat.Server;
using SampleServer = ConsoleChat.Server.ChatServer;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// Issue 16: a line the server refuses (an <c>error</c> repeating its id) and a line too big for the server (it closes with
/// 1009) are shown as failed with the server's reason, not pending until the chat leaves. The sample runs as a real process
/// with piped input and output, against a real server on 127.0.0.1.
/// </summary>
public sealed class ConsoleChatRefusedLineTests
{
    [Fact]
    public async Task A_line_too_big_for_the_server_is_shown_failed_with_1009_and_the_line_after_it_is_delivered()
    {
        await using var server = await SampleServer.StartAsync(new ChatServerOptions { MaxMessageBytes = 300 });
        await using var chat = SampleProcess.Start("--url", server.Url.ToString(), "--token", "ci", "--reconnect-min", "0.2", "--reconnect-max", "0.5");
        await chat.Output.WaitForLineAsync("connected");
        var tooBig = string.Concat(Enumerable.Repeat("far too long ", 30)).TrimEnd(); // 389 bytes of text alone
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(tooBig) > 300);

        // Both lines in one write, as a paste: the short one is typed before the server closed over the long one the second
        // time, so it waits (shown pending) until the long one has failed, then goes out.
        await chat.TypeAsync($"{tooBig}\nfine words\n");

        await chat.Output.WaitForLineAsync($"✗ line 1 not delivered (the server closed the connection with 1009 after it (too big for the server)): {tooBig}");
        await chat.Output.WaitForLineAsync("✓ line 2 delivered");
        await chat.Output.WaitForLineAsync("ci: fine words");
        chat.CloseInput();

        Assert.Equal(ExitCodes.Undelivered, await chat.ExitAsync());
        var lines = chat.Output.Lines;
        Assert.Equal("bye: 1 line(s) not delivered", lines[^1]);
        Assert.Single(lines, l => l.StartsWith('✗'));
        Assert.DoesNotContain(lines, l => l.StartsWith("ci: far too long", StringComparison.Ordinal));
        Assert.Contains("! the server closed the connection: a message was too big for it (1009 message too big)", lines);
        Assert.Empty(chat.Errors.Lines);
    }

    [Fact]
    public async Task A_line_the_server_refuses_is_shown_failed_with_its_reason_and_the_chat_stays_connected()
    {
        await using var server = await RefusingChatServer.StartAsync();
        // A long --quit-wait: /quit must find every line resolved by the server, not give up on one.
        await using var chat = SampleProcess.Start("--url", server.Url.ToString(), "--token", "alice", "--quit-wait", "20");
        await chat.Output.WaitForLineAsync("connected");

        await chat.WriteLineAsync("forbidden words");
        await chat.Output.WaitForLineAsync($"✗ line 1 not delivered (the server refused it: 403 {RefusingChatServer.Refusal}): forbidden words");
        await chat.WriteLineAsync("fine words");
        await chat.Output.WaitForLineAsync("alice: fine words");
        await chat.WriteLineAsync("/quit");

        Assert.Equal(ExitCodes.Undelivered, await chat.ExitAsync());
        var lines = chat.Output.Lines;
        Assert.Equal("bye: 1 line(s) not delivered", lines[^1]);
        Assert.Single(lines, l => l.StartsWith('✗'));
        Assert.Contains(lines, l => l.StartsWith("/quit: ", StringComparison.Ordinal));
        // Shown once, with its line: not again as a connection problem, and the connection was never dropped over it.
        Assert.DoesNotContain(lines, l => l.StartsWith('!') || l.StartsWith("reconnecting", StringComparison.Ordinal) || l.StartsWith('…'));
        Assert.Single(lines, l => l == "connected");
        Assert.Equal(1, server.ConnectionsAccepted);
        Assert.Empty(chat.Errors.Lines);
    }

    [Fact]
    public async Task Lines_typed_while_connecting_end_as_one_refused_with_its_reason_and_one_delivered()
    {
        // The server holds its answer to auth: the chat is connecting, and both lines wait in its queue, shown pending.
        await using var server = await RefusingChatServer.StartAsync(holdAuth: true);
        await using var chat = SampleProcess.Start("--url", server.Url.ToString(), "--token", "alice");
        await chat.Output.WaitForLineAsync(l => l.StartsWith("connecting to ", StringComparison.Ordinal));
        await chat.WriteLineAsync("forbidden words");
        await chat.WriteLineAsync("fine words");
        await chat.Output.WaitForLineAsync("… line 1 pending (connecting): forbidden words");
        await chat.Output.WaitForLineAsync("… line 2 pending (connecting): fine words");

        server.ReleaseAuth();

        var refused = await chat.Output.WaitForLineAsync($"✗ line 1 not delivered (the server refused it: 403 {RefusingChatServer.Refusal}): forbidden words");
        var delivered = await chat.Output.WaitForLineAsync("✓ line 2 delivered");
        Assert.True(delivered > refused, chat.ToString());
        await chat.Output.WaitForLineAsync("alice: fine words");
        chat.CloseInput();

        Assert.Equal(ExitCodes.Undelivered, await chat.ExitAsync());
        Assert.Equal("bye: 1 line(s) not delivered", chat.Output.Lines[^1]);
        Assert.Equal(1, server.ConnectionsAccepted);
        Assert.Empty(chat.Errors.Lines);
    }
}
