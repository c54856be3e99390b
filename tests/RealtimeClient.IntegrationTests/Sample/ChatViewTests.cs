using ConsoleChat.View;
using RealtimeClient.Testing;
using Spectre.Console;
using Spectre.Console.Testing;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>Issue 16: the two views, without a terminal (Spectre.Console's test console stands in for one).</summary>
public sealed class ChatViewTests
{
    [Fact]
    public void The_plain_view_prints_each_line_as_text_without_escape_codes_or_a_status_line()
    {
        var output = new CapturedOutput();
        using var view = new PlainView(output);
        view.Show(new ChatLine(LineKind.Chat, "hello", "alice"));
        view.ShowStatus(new ChatStatus("connected", null, null, 1, 2));
        view.Show(new ChatLine(LineKind.Delivered, "✓ line 1 delivered"));

        Assert.Equal(["alice: hello", "✓ line 1 delivered"], output.Lines);
    }

    [Fact]
    public void The_terminal_view_draws_a_coloured_status_line_and_the_prompt_below_timestamped_lines()
    {
        var console = new TestConsole().Colors(ColorSystem.TrueColor).EmitAnsiSequences();
        var time = new VirtualClock(new DateTimeOffset(2025, 1, 2, 9, 30, 15, TimeSpan.Zero)); // local time is UTC
        using var view = new TerminalView(console, time);

        view.ShowStatus(new ChatStatus("reconnecting", 3, time.GetUtcNow().AddSeconds(4), 2, 1));
        view.ShowTyping("half");
        view.Show(new ChatLine(LineKind.Chat, "hi", "bob"));

        var text = console.Output;
        Assert.Contains("09:30:15", text, StringComparison.Ordinal);
        Assert.Contains("reconnecting (attempt 3 in 4 s) · 2 pending · 1 awaiting ack", text, StringComparison.Ordinal);
        Assert.Contains("> ", text, StringComparison.Ordinal);
        Assert.Contains("half", text, StringComparison.Ordinal);
        Assert.Contains("\u001b[", text, StringComparison.Ordinal); // colours

        // A second later the countdown has moved, without anything else happening.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains("reconnecting (attempt 3 in 3 s)", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_status_says_state_attempt_countdown_and_counts()
    {
        var now = DateTimeOffset.UnixEpoch;
        Assert.Equal("connected · 0 pending · 2 awaiting ack", new ChatStatus("connected", null, null, 0, 2).Describe(now));
        Assert.Equal("reconnecting (attempt 2 in 5 s) · 3 pending · 0 awaiting ack", new ChatStatus("reconnecting", 2, now.AddSeconds(4.2), 3, 0).Describe(now));
        Assert.Equal("reconnecting (attempt 2) · 3 pending · 0 awaiting ack", new ChatStatus("reconnecting", 2, now, 3, 0).Describe(now));
    }
}
