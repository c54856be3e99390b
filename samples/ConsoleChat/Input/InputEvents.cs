using System.Threading.Channels;
namespace ConsoleChat.Input;

/// <summary>
/// The channel of input events shared by the two inputs: once stopped (interrupt or stop), nothing more gets in,
/// so a line a blocked read returns after Ctrl-C is dropped, never sent.
/// </summary>
internal sealed class InputEvents
{
    private readonly Channel<InputEvent> _events = Channel.CreateUnbounded<InputEvent>(new UnboundedChannelOptions { SingleReader = true });
    private int _stopped;

    public ChannelReader<InputEvent> Reader => _events.Reader;

    public bool IsStopped => Volatile.Read(ref _stopped) != 0;

    /// <summary>Posts an event unless the input has stopped.</summary>
    public void Post(InputEvent e)
    {
        lock (_events)
        {
            if (!IsStopped)
            {
                _events.Writer.TryWrite(e);
            }
        }
    }

    /// <summary>Posts the end of the input and completes.</summary>
    public void End() => StopWith(new InputEvent.EndOfInput());

    /// <summary>Stops now, posting <paramref name="last"/> (if any) as the last event.</summary>
    public void StopWith(InputEvent? last)
    {
        lock (_events)
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0)
            {
                return;
            }

            if (last is not null)
            {
                _events.Writer.TryWrite(last);
            }

            _events.Writer.TryComplete();
        }
    }
}
