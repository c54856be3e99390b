using System.Threading.Channels;
using System.Text;
using ConsoleChat.View;

namespace ConsoleChat.Input;

/// <summary>
/// Reads a terminal key by key on a background thread and keeps the line being typed itself, so the view can draw it
/// below the chat and redraw it after every new line. Enter posts the line; Backspace, Ctrl-U (clear) and Ctrl-D (leave,
/// on an empty line) are understood. Ctrl-C stays a signal (see <see cref="CtrlC"/>): the half-typed line is dropped.
/// </summary>
internal sealed class KeyInput(IPrompt prompt, Func<ConsoleKeyInfo> readKey) : IChatInput
{
    private readonly InputEvents _events = new();
    private readonly StringBuilder _typed = new();

    /// <summary>Reads the process's terminal.</summary>
    public KeyInput(IPrompt prompt)
        : this(prompt, static () => Console.ReadKey(intercept: true))
    {
    }

    public ChannelReader<InputEvent> Events => _events.Reader;

    public void Start()
    {
        var thread = new Thread(ReadKeys) { IsBackground = true, Name = "chat keys" };
        thread.Start();
    }

    public void Interrupt()
    {
        _events.StopWith(new InputEvent.Interrupted());
        prompt.ShowTyping(string.Empty);
    }

    public void Stop() => _events.StopWith(null);

    public void Dispose() => Stop();

    /// <summary>Handles one key; returns false when the input ended.</summary>
    internal bool OnKey(ConsoleKeyInfo key)
    {
        if (_events.IsStopped)
        {
            return false;
        }

        switch (key.Key)
        {
            case ConsoleKey.Enter:
                var line = _typed.ToString();
                _typed.Clear();
                prompt.ShowTyping(string.Empty);
                if (Commands.Parse(line) is { } e)
                {
                    _events.Post(e);
                }

                return true;
            case ConsoleKey.Backspace:
                if (_typed.Length > 0)
                {
                    _typed.Length--;
                }

                break;
            case ConsoleKey.D when key.Modifiers == ConsoleModifiers.Control:
                if (_typed.Length == 0)
                {
                    _events.End();
                    return false;
                }

                break;
            case ConsoleKey.U when key.Modifiers == ConsoleModifiers.Control:
                _typed.Clear();
                break;
            default:
                if (!char.IsControl(key.KeyChar))
                {
                    _typed.Append(key.KeyChar);
                }

                break;
        }

        prompt.ShowTyping(_typed.ToString());
        return true;
    }

    private void ReadKeys()
    {
        try
        {
            while (OnKey(readKey()))
            {
            }
        }
        catch (InvalidOperationException)
        {
            // No terminal after all (stdin closed or redirected).
            _events.End();
        }
        catch (IOException)
        {
            _events.End();
        }
    }
}
