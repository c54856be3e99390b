using ConsoleChat.Client;
using ConsoleChat.Server;
using SampleServer = ConsoleChat.Server.ChatServer;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// Issues 14 and 16: the chat's <c>--outbox PATH</c>, end to end over real sockets, the chat a real process driven through
/// pipes. A line typed while the server is down is saved to the file; the chat is killed with SIGKILL; the server comes up;
/// a second chat on the same file delivers the line (the other user sees it once) and says so.
/// </summary>
public sealed class ConsoleChatOutboxTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chat-outbox-" + Guid.NewGuid().ToString("N"));

    public ConsoleChatOutboxTests() => Directory.CreateDirectory(_folder);

    private string Outbox => Path.Combine(_folder, "lines.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_line_typed_offline_survives_a_kill_of_the_chat_and_the_next_run_on_the_same_outbox_delivers_it_once_and_says_so()
    {
        var port = FreePort.Unused();
        string[] args = ["--url", $"ws://127.0.0.1:{port}/ws", "--token", "alice", "--outbox", Outbox, "--reconnect-min", "0.1", "--reconnect-max", "0.3"];
        await using (var first = SampleProcess.Start(args))
        {
            await first.Output.WaitForLineAsync($"outbox: {Outbox} (every line is kept there until the server acknowledged it)");
            await first.WriteLineAsync("typed on the train");
            await first.Output.WaitForLineAsync(l => l.StartsWith("… line 1 saved (", StringComparison.Ordinal) && l.EndsWith("): typed on the train", StringComparison.Ordinal));
            await first.KillAsync(); // no goodbye: the line is only in the file
            Assert.DoesNotContain(first.Output.Lines, l => l.StartsWith('✓') || l.StartsWith('✗'));
        }

        await using var server = await SampleServer.StartAsync(new ChatServerOptions { Port = port });
        await using var bob = await RawObserver.ConnectAndAuthenticateAsync(server.Url, "bob");
        await using var second = SampleProcess.Start(args);
        await second.Output.WaitForLineAsync("✓ delivered from an earlier run: typed on the train");
        await second.WriteLineAsync("and this one live");

        var seen = await bob.ReadMessagesUntilAsync("and this one live");
        Assert.Equal(["typed on the train", "and this one live"], seen.Select(m => m.Text)); // once, and before the new line
        Assert.All(seen, m => Assert.Equal("alice", m.Sender));
        await second.Output.WaitForLineAsync("alice: and this one live");
        await second.WriteLineAsync("/quit");
        Assert.Equal(ExitCodes.Ok, await second.ExitAsync());
        Assert.Contains("bye: every line was delivered", second.Output.Lines);
        Assert.Single(second.Output.Lines, l => l.Contains("from an earlier run", StringComparison.Ordinal));
        Assert.Empty(second.Errors.Lines);
    }

    [Fact]
    public async Task Lines_not_delivered_when_the_chat_quits_are_named_as_kept_in_the_outbox_for_the_next_run()
    {
        var port = FreePort.Unused();
        await using var chat = SampleProcess.Start("--url", $"ws://127.0.0.1:{port}/ws", "--token", "alice", "--outbox", Outbox, "--quit-wait", "0.5");
        await chat.WriteLineAsync("still here tomorrow");
        await chat.Output.WaitForLineAsync(l => l.StartsWith("… line 1 saved (", StringComparison.Ordinal));
        await chat.WriteLineAsync("/quit");

        Assert.Equal(ExitCodes.Undelivered, await chat.ExitAsync());
        Assert.Contains($"✗ line 1 not delivered (no acknowledgement within 0.5 s; kept in {Outbox} for the next run): still here tomorrow", chat.Output.Lines);
        Assert.Contains($"bye: 1 line(s) not delivered (those still in {Outbox} go out on the next run with --outbox {Outbox})", chat.Output.Lines);
    }

    [Fact]
    public async Task An_outbox_in_use_by_another_chat_ends_the_second_chat_at_start_with_the_cause_a_hint_and_exit_code_7()
    {
        var port = FreePort.Unused();
        await using var first = SampleProcess.Start("--url", $"ws://127.0.0.1:{port}/ws", "--token", "alice", "--outbox", Outbox);
        await first.Output.WaitForLineAsync(l => l.StartsWith("reconnecting:", StringComparison.Ordinal)); // the file is open: attempts come after the open

        await using var second = SampleProcess.Start("--url", $"ws://127.0.0.1:{port}/ws", "--token", "alice", "--outbox", Outbox);

        Assert.Equal(ExitCodes.OutboxFailed, await second.ExitAsync());
        Assert.Contains(
            $"connection closed: Could not open the outbox store '{Outbox}': the file is in use by another process or another store instance; another chat (or program) has this --outbox file open: one chat per file",
            second.Output.Lines);
        Assert.Empty(second.Errors.Lines);
    }

    [Fact]
    public async Task An_outbox_file_that_is_not_an_outbox_ends_the_chat_at_start_with_exit_code_7_and_is_left_untouched()
    {
        var garbage = "a shopping list, not a database: milk, bread, a lot of eggs, and a little more text than a header";
        await File.WriteAllTextAsync(Outbox, garbage);
        await using var chat = SampleProcess.Start("--url", $"ws://127.0.0.1:{FreePort.Unused()}/ws", "--token", "alice", "--outbox", Outbox);

        Assert.Equal(ExitCodes.OutboxFailed, await chat.ExitAsync());
        Assert.Contains(chat.Output.Lines, l => l.StartsWith($"connection closed: Could not open the outbox store '{Outbox}': the file is corrupt, truncated, or not an outbox store", StringComparison.Ordinal)
            && l.EndsWith("; move the file aside (keep it: its lines can be read with sqlite3) or give another --outbox path", StringComparison.Ordinal));
        Assert.Equal(garbage, await File.ReadAllTextAsync(Outbox));
    }

    [Fact]
    public async Task The_help_documents_the_outbox_and_its_exit_code()
    {
        await using var chat = SampleProcess.Start("--help");
        Assert.Equal(ExitCodes.Ok, await chat.ExitAsync());
        Assert.Contains(chat.Output.Lines, l => l.TrimStart().StartsWith("--outbox PATH", StringComparison.Ordinal));
        Assert.Contains(chat.Output.Lines, l => l.Contains("7 the --outbox file cannot be opened", StringComparison.Ordinal));
    }
}
