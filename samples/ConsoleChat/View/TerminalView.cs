using System.Globalization;
using Spectre.Console;

namespace ConsoleChat.View;

/// <summary>
/// The view in an interactive terminal (Spectre.Console): every line with a timestamp and a colour by kind, and at the
/// bottom a status line (state, attempt and seconds to the next try, lines pending, lines awaiting ack) above the line
/// being typed. New lines are written above those two rows, which are then drawn again.
/// </summary>
internal sealed class TerminalView : IChatView, IPrompt
{
    private const string Erase = "\r\u001b[1A\u001b[J"; // to the start of the status row, then clear to the end of the screen
    private const string PromptMark = "> ";

    private readonly IAnsiConsole _console;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly ITimer _tick;
    private ChatStatus _status = ChatStatus.Starting;
    private string _typed = string.Empty;
    private bool _drawn;
    private bool _disposed;

    public TerminalView(IAnsiConsole console, TimeProvider time)
    {
        _console = console;
        _time = time;
        // Once a second, so that "next try in N s" counts down.
        _tick = time.CreateTimer(static self => ((TerminalView)self!).Redraw(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>A console on standard output that detects colours and ANSI support itself.</summary>
    public static IAnsiConsole CreateConsole() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.Detect,
        ColorSystem = ColorSystemSupport.Detect,
        Out = new AnsiConsoleOutput(Console.Out),
    });

    public void Show(ChatLine line)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            EraseBottom();
            var time = _time.GetLocalNow().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
            _console.MarkupLine($"[grey]{time}[/] {Format(line)}");
            DrawBottom();
        }
    }

    public void ShowStatus(ChatStatus status)
    {
        lock (_gate)
        {
            _status = status;
            if (!_disposed)
            {
                EraseBottom();
                DrawBottom();
            }
        }
    }

    public void ShowTyping(string typed)
    {
        lock (_gate)
        {
            _typed = typed;
            if (!_disposed)
            {
                EraseBottom();
                DrawBottom();
            }
        }
    }

    public void Dispose()
    {
        _tick.Dispose();
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            EraseBottom();
            _disposed = true;
        }
    }

    private void Redraw() => ShowStatus(Volatile.Read(ref _status));

    private void EraseBottom()
    {
        if (_drawn)
        {
            _console.WriteAnsi(Erase);
            _drawn = false;
        }
    }

    private void DrawBottom()
    {
        var width = Math.Max(_console.Profile.Width - 1, 10);
        var status = Fit(" " + _status.Describe(_time.GetUtcNow()) + " ", width);
        var colour = _status.State switch
        {
            "connected" => "black on green",
            "closed" => "white on red",
            _ => "black on yellow",
        };
        _console.MarkupLine($"[{colour}]{Markup.Escape(status)}[/]");
        var typed = _typed.Length + PromptMark.Length > width ? _typed[^(width - PromptMark.Length)..] : _typed;
        _console.Markup($"[bold]{PromptMark}[/]{Markup.Escape(typed)}");
        _drawn = true;
    }

    private static string Fit(string text, int width) => text.Length <= width ? text : text[..width];

    private static string Format(ChatLine line)
    {
        var text = Markup.Escape(line.Text);
        return line.Kind switch
        {
            LineKind.Chat => $"[bold aqua]{Markup.Escape(line.Sender ?? string.Empty)}[/]: {text}",
            LineKind.State => $"[blue]{text}[/]",
            LineKind.Presence => $"[grey]{text}[/]",
            LineKind.Pending => $"[yellow]{text}[/]",
            LineKind.Delivered => $"[green]{text}[/]",
            LineKind.Failed => $"[red]{text}[/]",
            LineKind.Problem => $"[bold red]{text}[/]",
            _ => text,
        };
    }
}
