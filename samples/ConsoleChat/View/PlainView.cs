namespace ConsoleChat.View;

/// <summary>
/// The view when output is redirected: one plain line per event, no colours, no escape codes, no status line,
/// so scripts and tests can read it.
/// </summary>
internal sealed class PlainView(TextWriter output) : IChatView
{
    private readonly Lock _gate = new();

    public void Show(ChatLine line)
    {
        lock (_gate)
        {
            output.WriteLine(line.Plain);
            output.Flush();
        }
    }

    public void ShowStatus(ChatStatus status)
    {
    }

    public void Dispose()
    {
    }
}
