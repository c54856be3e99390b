using System.Threading.Channels;
namespace ConsoleChat.Input;

/// <summary>
/// Reads whole lines from a <see cref="TextReader"/> (a pipe, a file, or a terminal the chat does not draw on) on a
/// background thread. Reading stdin blocks and cannot be cancelled in .NET, so an interrupt does not wait for the read:
/// it stops the events at once, and the line the read returns later is dropped.
/// </summary>
internal sealed class LineInput(TextReader reader) : IChatInput
{
    private readonly InputEvents _events = new();

    public ChannelReader<InputEvent> Events => _events.Reader;

    public void Start()
    {
        var thread = new Thread(ReadLines) { IsBackground = true, Name = "chat input" };
        thread.Start();
    }

    public void Interrupt() => _events.StopWith(new InputEvent.Interrupted());

    public void Stop() => _events.StopWith(null);

    public void Dispose() => Stop();

    private void ReadLines()
    {
        try
        {
            while (!_events.IsStopped)
            {
                var line = reader.ReadLine();
                if (line is null)
                {
                    _events.End();
                    return;
                }

                if (Commands.Parse(line) is { } e)
                {
                    _events.Post(e);
                }
            }
        }
        catch (IOException)
        {
            _events.End();
        }
        catch (ObjectDisposedException)
        {
            _events.End();
        }
    }
}
