using ConsoleChat;
using ConsoleChat.Input;
using ConsoleChat.View;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>Issue 16: reading lines, keys, commands and arguments (no sockets, no terminal).</summary>
public sealed class ChatInputTests
{
    [Theory]
    [InlineData("/quit", typeof(InputEvent.Quit))]
    [InlineData("  /QUIT ", typeof(InputEvent.Quit))]
    [InlineData("/help", typeof(InputEvent.Help))]
    [InlineData("/status", typeof(InputEvent.Status))]
    [InlineData("/nick bob", typeof(InputEvent.UnknownCommand))]
    [InlineData("hello /quit", typeof(InputEvent.Line))]
    public void Commands_are_recognised_and_the_rest_is_a_line(string typed, Type expected) =>
        Assert.IsType(expected, Commands.Parse(typed));

    [Fact]
    public void A_double_slash_sends_a_line_that_starts_with_a_slash() =>
        Assert.Equal(new InputEvent.Line("/shrug"), Commands.Parse("//shrug"));

    [Fact]
    public void A_blank_line_is_nothing() => Assert.Null(Commands.Parse("   "));

    [Fact]
    public async Task After_an_interrupt_a_line_the_blocked_read_returns_is_never_an_event()
    {
        var pipe = new LinePipe();
        using var input = new LineInput(pipe);
        input.Start();
        pipe.Write("before");
        Assert.Equal(new InputEvent.Line("before"), await input.Events.ReadAsync().AsTask().WaitAsync(CapturedOutput.Timeout));

        input.Interrupt();
        pipe.Write("after the interrupt");
        pipe.End();

        var rest = new List<InputEvent>();
        await foreach (var e in input.Events.ReadAllAsync().WithCancellation(new CancellationTokenSource(CapturedOutput.Timeout).Token))
        {
            rest.Add(e);
        }

        Assert.Equal([new InputEvent.Interrupted()], rest);
    }

    [Fact]
    public void Keys_build_the_line_shown_at_the_prompt_and_Enter_posts_it()
    {
        var prompt = new RecordingPrompt();
        using var input = new KeyInput(prompt, () => throw new InvalidOperationException("not used"));
        foreach (var key in "hix")
        {
            input.OnKey(new ConsoleKeyInfo(key, ConsoleKey.A, false, false, false));
        }

        input.OnKey(new ConsoleKeyInfo('\b', ConsoleKey.Backspace, false, false, false));
        Assert.Equal("hi", prompt.Shown[^1]);
        input.OnKey(new ConsoleKeyInfo('\r', ConsoleKey.Enter, false, false, false));

        Assert.Equal(string.Empty, prompt.Shown[^1]);
        Assert.True(input.Events.TryRead(out var e));
        Assert.Equal(new InputEvent.Line("hi"), e);
    }

    [Fact]
    public void An_interrupt_drops_the_half_typed_line()
    {
        var prompt = new RecordingPrompt();
        using var input = new KeyInput(prompt, () => throw new InvalidOperationException("not used"));
        input.OnKey(new ConsoleKeyInfo('h', ConsoleKey.H, false, false, false));

        input.Interrupt();
        Assert.False(input.OnKey(new ConsoleKeyInfo('\r', ConsoleKey.Enter, false, false, false)));

        Assert.True(input.Events.TryRead(out var e));
        Assert.IsType<InputEvent.Interrupted>(e);
        Assert.False(input.Events.TryRead(out _));
        Assert.Equal(string.Empty, prompt.Shown[^1]);
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown option --bogus")]
    [InlineData(new[] { "--bogus", "value" }, "unknown option --bogus")]
    [InlineData(new[] { "stray" }, "unexpected argument 'stray' (options start with --)")]
    [InlineData(new[] { "--url" }, "--url needs a value")]
    [InlineData(new[] { "--url", "http://x/ws" }, "--url: 'http://x/ws' is not a ws:// or wss:// URL (for example ws://127.0.0.1:8080/ws)")]
    [InlineData(new[] { "--serve", "70000" }, "--serve: '70000' is not a port (0 to 65535)")]
    [InlineData(new[] { "--max-message-bytes", "ten" }, "--max-message-bytes: 'ten' is not a number of bytes (16 or more)")]
    [InlineData(new[] { "--quit-wait", "-1" }, "--quit-wait: '-1' is not a number of seconds greater than 0")]
    [InlineData(new[] { "--outbox", " " }, "--outbox: the file path must not be empty")]
    [InlineData(new[] { "--outbox" }, "--outbox needs a value")]
    public void Bad_arguments_name_the_flag_and_the_value(string[] args, string expected)
    {
        Assert.False(ChatArguments.TryParse(args, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void The_server_size_limit_and_the_quit_wait_are_flags()
    {
        Assert.True(ChatArguments.TryParse(["--serve", "0", "--max-message-bytes", "64", "--quit-wait", "0.5"], out var parsed, out _));

        Assert.Equal(64, parsed.MaxMessageBytes);
        Assert.Equal(0, parsed.ServePort);
        Assert.Equal(TimeSpan.FromSeconds(0.5), parsed.QuitWait);
    }

    [Fact]
    public void The_outbox_is_a_file_path_and_none_by_default()
    {
        Assert.True(ChatArguments.TryParse(["--outbox", "lines.db"], out var parsed, out _));
        Assert.Equal("lines.db", parsed.Outbox);
        Assert.True(ChatArguments.TryParse([], out var none, out _));
        Assert.Null(none.Outbox);
    }

    private sealed class RecordingPrompt : IPrompt
    {
        public List<string> Shown { get; } = [];

        public void ShowTyping(string typed) => Shown.Add(typed);
    }
}
