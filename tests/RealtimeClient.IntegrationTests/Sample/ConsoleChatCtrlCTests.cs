using ConsoleChat.Client;
using SampleServer = ConsoleChat.Server.ChatServer;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// Issue 16: leaving the sample. The sample runs as a real process with piped input; Ctrl-C is SIGINT sent to its process
/// group, as a terminal sends it. Lines are left pending by pointing the sample at a port nothing listens on.
/// </summary>
public sealed class ConsoleChatCtrlCTests
{
    [Fact]
    public async Task The_first_Ctrl_C_gives_pending_lines_a_short_chance_then_exits_2_naming_every_undelivered_line()
    {
        var port = FreePort.Unused();
        await using var chat = SampleProcess.Start("--url", $"ws://127.0.0.1:{port}/ws", "--token", "ci", "--reconnect-min", "0.2", "--reconnect-max", "0.5");
        await chat.WriteLineAsync("first words");
        await chat.WriteLineAsync("second words");
        await chat.Output.WaitForLineAsync(l => l.StartsWith("… line 2 pending", StringComparison.Ordinal));

        await chat.PressCtrlC();

        Assert.Equal(ExitCodes.Undelivered, await chat.ExitAsync());
        var lines = chat.Output.Lines;
        Assert.Contains("Ctrl-C: still pending: line 1, line 2; waiting up to 2 s (Ctrl-C again leaves now)", lines);
        var one = lines.ToList().IndexOf("✗ line 1 not delivered (no acknowledgement within 2 s): first words");
        var two = lines.ToList().IndexOf("✗ line 2 not delivered (no acknowledgement within 2 s): second words");
        Assert.True(one >= 0 && two > one, chat.ToString());
        Assert.Single(lines, l => l.StartsWith("✗ line 1 ", StringComparison.Ordinal)); // named once, not again when the connection stops
        Assert.Contains("bye: 2 line(s) not delivered", lines);
        Assert.Empty(chat.Errors.Lines);
    }

    [Fact]
    public async Task A_second_Ctrl_C_exits_130_at_once_without_waiting_for_pending_lines()
    {
        var port = FreePort.Unused();
        // A long wait for pending lines, so that only the second Ctrl-C can end it.
        await using var chat = SampleProcess.Start("--url", $"ws://127.0.0.1:{port}/ws", "--token", "ci", "--quit-wait", "600");
        await chat.WriteLineAsync("stuck line");
        await chat.Output.WaitForLineAsync(l => l.StartsWith("… line 1 pending", StringComparison.Ordinal));

        await chat.PressCtrlC();
        await chat.Output.WaitForLineAsync(l => l.StartsWith("Ctrl-C: still pending: line 1", StringComparison.Ordinal));
        await chat.PressCtrlC();

        Assert.Equal(ExitCodes.Interrupted, await chat.ExitAsync());
        Assert.Contains("Ctrl-C again: leaving now; lines still pending are not delivered", chat.Output.Lines);
        Assert.DoesNotContain(chat.Output.Lines, l => l.StartsWith("bye", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ctrl_C_with_nothing_pending_exits_0_with_a_word_and_never_sends_the_half_typed_line()
    {
        await using var chat = SampleProcess.Start("--token", "ci"); // with its embedded server
        await chat.Output.WaitForLineAsync("connected");
        // (No whole line first: its broadcast can come back before its ack, and then it would still be pending.)
        await chat.TypeAsync("half typ");

        await chat.PressCtrlC();
        await chat.Output.WaitForLineAsync("Ctrl-C: leaving, nothing is pending");
        chat.CloseInput(); // the blocked read now returns the half-typed line: it must be dropped

        Assert.Equal(ExitCodes.Ok, await chat.ExitAsync());
        Assert.Contains("bye: every line was delivered", chat.Output.Lines);
        Assert.DoesNotContain(chat.Output.Lines, l => l.Contains("half typ", StringComparison.Ordinal));
        // Output is redirected: plain lines, no escape codes.
        Assert.DoesNotContain(chat.Output.Lines, l => l.Contains('\u001b', StringComparison.Ordinal));
        Assert.Empty(chat.Errors.Lines);
    }

    [Fact]
    public async Task Quit_says_what_is_still_pending_then_leaves_like_Ctrl_C()
    {
        var port = FreePort.Unused();
        await using var chat = SampleProcess.Start("--url", $"ws://127.0.0.1:{port}/ws", "--token", "ci");
        await chat.WriteLineAsync("not going anywhere");
        await chat.WriteLineAsync("/quit");

        Assert.Equal(ExitCodes.Undelivered, await chat.ExitAsync());
        Assert.Contains("/quit: still pending: line 1; waiting up to 2 s (Ctrl-C again leaves now)", chat.Output.Lines);
        Assert.Contains("✗ line 1 not delivered (no acknowledgement within 2 s): not going anywhere", chat.Output.Lines);
    }

    [Fact]
    public async Task Quit_with_everything_delivered_exits_0()
    {
        await using var server = await SampleServer.StartAsync(new ConsoleChat.Server.ChatServerOptions());
        await using var chat = SampleProcess.Start("--url", server.Url.ToString(), "--token", "ci");
        await chat.Output.WaitForLineAsync("connected");
        await chat.WriteLineAsync("hello");
        await chat.Output.WaitForLineAsync("ci: hello");
        await chat.WriteLineAsync("/quit");

        Assert.Equal(ExitCodes.Ok, await chat.ExitAsync());
        // "hello" may still wait for its ack when /quit is read (its broadcast comes first): either way it is delivered.
        Assert.Contains(chat.Output.Lines, l => l.StartsWith("/quit: ", StringComparison.Ordinal));
        Assert.Contains("bye: every line was delivered", chat.Output.Lines);
    }
}
