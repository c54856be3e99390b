using System.Diagnostics;
using ConsoleChat.Server;
using SampleServer = ConsoleChat.Server.ChatServer;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// Issue 16: the sample in a real pseudo-terminal (tmux, from Debian: <c>apt-get install tmux</c>): the status line and
/// colours appear, typing works, and Ctrl-C leaves. A piped run of the same sample prints no escape codes
/// (<see cref="ConsoleChatCtrlCTests"/> checks that too).
/// </summary>
public sealed class ConsoleChatTerminalTests
{
    private const string Tmux = "/usr/bin/tmux";

    [Fact]
    public async Task In_a_terminal_the_sample_draws_a_coloured_status_line_and_a_prompt_and_a_piped_run_prints_no_escape_codes()
    {
        Assert.True(File.Exists(Tmux), "tmux is needed for this test: apt-get install tmux");
        await using var server = await SampleServer.StartAsync(new ChatServerOptions());
        var socket = $"chat-test-{Environment.ProcessId}-{Guid.NewGuid():N}"; // a tmux server of this test's own
        try
        {
            await RunTmuxAsync(socket, "new-session", "-d", "-s", "chat", "-x", "110", "-y", "20",
                $"{SampleProcess.Host} {SampleProcess.Dll} --url {server.Url} --token tty-user; sleep 60");

            var screen = await WaitForScreenAsync(socket, s => s.Contains("connected · 0 pending · 0 awaiting ack", StringComparison.Ordinal));
            Assert.Contains("authenticated as tty-user", screen, StringComparison.Ordinal);

            await RunTmuxAsync(socket, "send-keys", "-t", "chat", "hello from a terminal", "Enter");
            screen = await WaitForScreenAsync(socket, s => s.Contains("tty-user: hello from a terminal", StringComparison.Ordinal));
            Assert.Matches(@"\d\d:\d\d:\d\d .*tty-user", screen); // timestamps

            var coloured = await RunTmuxAsync(socket, "capture-pane", "-p", "-e", "-t", "chat");
            Assert.Contains("\u001b[", coloured, StringComparison.Ordinal); // colours: SGR escape sequences on screen
            Assert.Matches("(?m)^>", screen); // the prompt (tmux trims the space after it)

            await RunTmuxAsync(socket, "send-keys", "-t", "chat", "half typed", "C-c");
            screen = await WaitForScreenAsync(socket, s => s.Contains("bye: every line was delivered", StringComparison.Ordinal));
            Assert.DoesNotContain("tty-user: half typed", screen, StringComparison.Ordinal);
        }
        finally
        {
            await RunTmuxAsync(socket, "kill-server");
        }

        // The same sample with its output piped: plain lines only.
        await using var piped = SampleProcess.Start("--url", server.Url.ToString(), "--token", "pipe-user");
        await piped.Output.WaitForLineAsync("connected");
        await piped.WriteLineAsync("/status");
        await piped.Output.WaitForLineAsync(l => l.StartsWith("status: connected", StringComparison.Ordinal));
        piped.CloseInput();
        Assert.Equal(0, await piped.ExitAsync());
        Assert.DoesNotContain(piped.Output.Lines, l => l.Contains('\u001b', StringComparison.Ordinal));
    }

    /// <summary>Captures the pane (plain text) until <paramref name="done"/> holds: at most 100 captures, 20 s.</summary>
    private static async Task<string> WaitForScreenAsync(string socket, Func<string, bool> done)
    {
        var screen = string.Empty;
        var deadline = Stopwatch.StartNew();
        for (var i = 0; i < 100 && deadline.Elapsed < CapturedOutput.Timeout; i++)
        {
            screen = await RunTmuxAsync(socket, "capture-pane", "-p", "-t", "chat");
            if (done(screen))
            {
                return screen;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The terminal did not show what was expected. Screen:{Environment.NewLine}{screen}");
    }

    private static async Task<string> RunTmuxAsync(string socket, params string[] args)
    {
        var info = new ProcessStartInfo(Tmux) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-L");
        info.ArgumentList.Add(socket);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var tmux = Process.Start(info)!;
        var output = tmux.StandardOutput.ReadToEndAsync();
        var errors = tmux.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CapturedOutput.Timeout);
        await tmux.WaitForExitAsync(timeout.Token);
        if (tmux.ExitCode != 0 && args[0] != "kill-server")
        {
            throw new InvalidOperationException($"tmux {string.Join(' ', args)} exited {tmux.ExitCode}: {await errors}");
        }

        return await output;
    }
}
