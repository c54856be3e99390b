using System.Diagnostics;
using System.Text.RegularExpressions;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// Issue 6: the README's first command (<c>dotnet run --project samples/ConsoleChat</c>) as a real child process: the built
/// ConsoleChat.dll that the project reference copies next to this assembly, run by the same dotnet host, stdin piped.
/// </summary>
public sealed partial class ConsoleChatProcessTests
{
    [Fact]
    public async Task The_sample_with_no_url_starts_its_embedded_server_prints_the_join_command_delivers_piped_lines_and_exits_0()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ConsoleChat.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the ProjectReference should copy it next to the tests");

        var output = new CapturedOutput();
        var errors = new CapturedOutput();
        using var process = new Process { StartInfo = StartInfo(dll, "--token", "ci", "--drain-timeout", "20") };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.WriteLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                errors.WriteLine(e.Data);
            }
        };

        Assert.True(process.Start());
        try
        {
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            // The join command it prints works: someone else joins the embedded server with it.
            var joinIndex = await output.WaitForLineAsync(l => l.StartsWith("join from another terminal: ", StringComparison.Ordinal));
            var join = output.Lines[joinIndex];
            var command = JoinCommand().Match(join);
            Assert.True(command.Success, join);
            Assert.Contains(output.Lines, l => l == $"sample chat server running at {command.Groups["url"].Value}");
            await output.WaitForLineAsync("authenticated as ci");
            await using var someoneElse = await RawObserver.ConnectAndAuthenticateAsync(new Uri(command.Groups["url"].Value), "someone-else");
            await output.WaitForLineAsync("* someone-else is online (2 online)");

            // Two piped lines, then end of input.
            await process.StandardInput.WriteLineAsync("hello from ci");
            await process.StandardInput.WriteLineAsync("second line");
            process.StandardInput.Close();

            var seen = await someoneElse.ReadMessagesUntilAsync("second line").WaitAsync(CapturedOutput.Timeout);
            Assert.Equal(["hello from ci", "second line"], seen.Select(m => m.Text));
            Assert.All(seen, m => Assert.Equal("ci", m.Sender));

            // Gone without a close handshake, so that the embedded server does not wait for it when the sample exits.
            await someoneElse.DisposeAsync();

            using var timeout = new CancellationTokenSource(CapturedOutput.Timeout);
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{output}{Environment.NewLine}stderr:{Environment.NewLine}{errors}");
            Assert.DoesNotContain(output.Lines, l => l.StartsWith('✗'));
            Assert.Empty(errors.Lines);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static ProcessStartInfo StartInfo(string dll, params string[] args)
    {
        var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    [GeneratedRegex(@"^join from another terminal: dotnet run --project samples/ConsoleChat -- --url (?<url>ws://127\.0\.0\.1:\d+/ws) --token \S+$")]
    private static partial Regex JoinCommand();
}
