using ConsoleChat.Client;
using ConsoleChat.Server;
using SampleServer = ConsoleChat.Server.ChatServer;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// Issue 16: what the sample says when something is wrong, run as a real process: a cause and a hint, a clear exit code,
/// never a stack trace or an internal name.
/// </summary>
public sealed class ConsoleChatProblemTests
{
    [Fact]
    public async Task Serving_on_a_busy_port_says_so_and_exits_6_without_a_stack_trace()
    {
        using var busy = FreePort.Busy();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;
        await using var serve = SampleProcess.Start("--serve", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(ExitCodes.PortInUse, await serve.ExitAsync());
        var error = Assert.Single(serve.Errors.Lines);
        Assert.StartsWith($"cannot serve: port {port} on 127.0.0.1 is already in use", error, StringComparison.Ordinal);
        Assert.Contains("--serve 0 picks a free one", error, StringComparison.Ordinal);
        Assert.Empty(serve.Output.Lines);
    }

    [Fact]
    public async Task An_unknown_flag_is_reported_as_unknown_and_exits_64()
    {
        await using var chat = SampleProcess.Start("--colour", "always");

        Assert.Equal(ExitCodes.BadArguments, await chat.ExitAsync());
        Assert.Equal(["unknown option --colour", "run with --help for the options"], chat.Errors.Lines);
    }

    [Fact]
    public async Task A_bad_value_names_the_flag_and_the_value()
    {
        await using var chat = SampleProcess.Start("--heartbeat-interval", "soon");

        Assert.Equal(ExitCodes.BadArguments, await chat.ExitAsync());
        Assert.Equal("--heartbeat-interval: 'soon' is not a number of seconds greater than 0", chat.Errors.Lines[0]);
    }

    [Fact]
    public async Task A_refused_token_says_the_server_refused_the_token_in_plain_words_and_exits_4()
    {
        await using var server = await SampleServer.StartAsync(new ChatServerOptions());
        await using var chat = SampleProcess.Start("--url", server.Url.ToString(), "--token", "invalid-me");

        Assert.Equal(ExitCodes.AuthFailed, await chat.ExitAsync());
        Assert.Contains("connection closed: the server refused the token; start again with another --token", chat.Output.Lines);
        Assert.DoesNotContain(chat.Output.Lines, l => l.Contains("Fatal", StringComparison.Ordinal) || l.Contains("OnConnected", StringComparison.Ordinal)
            || l.Contains("AuthenticationFailed", StringComparison.Ordinal) || l.Contains("auth_failed", StringComparison.Ordinal));
        Assert.Empty(chat.Errors.Lines);
    }

    [Fact]
    public async Task A_handshake_refused_with_404_says_so_with_a_hint_about_the_path()
    {
        await using var server = await SampleServer.StartAsync(new ChatServerOptions());
        await using var chat = SampleProcess.Start("--url", $"ws://127.0.0.1:{server.Port}/chat", "--token", "ci");

        await chat.Output.WaitForLineAsync("! the server refused the WebSocket handshake with HTTP 404; is the path /ws? (this URL asks for /chat)");
        await chat.PressCtrlC();

        Assert.Equal(ExitCodes.Ok, await chat.ExitAsync());
        // Shown once, not again on every attempt that fails the same way.
        Assert.Single(chat.Output.Lines, l => l.Contains("HTTP 404", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_port_nothing_listens_on_is_shown_with_the_command_that_starts_a_server_there()
    {
        var port = FreePort.Unused();
        await using var chat = SampleProcess.Start("--url", $"ws://127.0.0.1:{port}/ws", "--token", "ci", "--reconnect-min", "0.2", "--reconnect-max", "0.5");

        var problem = await chat.Output.WaitForLineAsync(l => l.StartsWith("! ", StringComparison.Ordinal));
        Assert.EndsWith($"start a server with --serve {port}", chat.Output.Lines[problem], StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", chat.Output.Lines[problem], StringComparison.Ordinal);
        Assert.DoesNotContain(chat.Output.Lines, l => l.Contains("Exception", StringComparison.Ordinal) || l.Contains("->", StringComparison.Ordinal));

        await chat.PressCtrlC();
        Assert.Equal(ExitCodes.Ok, await chat.ExitAsync());
    }
}
