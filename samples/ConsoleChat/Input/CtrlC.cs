namespace ConsoleChat.Input;

/// <summary>
/// Ctrl-C as a terminal sends it (SIGINT): the first press interrupts the input (the chat then gives pending lines a
/// short chance and leaves), the second leaves at once through <c>onSecond</c>.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    private readonly IChatInput _input;
    private readonly Action _onSecond;
    private int _presses;

    public CtrlC(IChatInput input, Action onSecond)
    {
        _input = input;
        _onSecond = onSecond;
        Console.CancelKeyPress += OnCancelKeyPress;
    }

    public void Dispose() => Console.CancelKeyPress -= OnCancelKeyPress;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        if (Interlocked.Increment(ref _presses) == 1)
        {
            _input.Interrupt();
        }
        else
        {
            _onSecond();
        }
    }
}
