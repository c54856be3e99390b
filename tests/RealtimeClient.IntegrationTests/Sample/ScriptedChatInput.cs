using System.Threading.Channels;
using ConsoleChat.Input;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>A chat input the test types into: each <see cref="Type"/> is one event, as the user would cause it.</summary>
internal sealed class ScriptedChatInput : IChatInput
{
    private readonly Channel<InputEvent> _events = Channel.CreateUnbounded<InputEvent>();

    public ChannelReader<InputEvent> Events => _events.Reader;

    public void Type(InputEvent e) => _events.Writer.TryWrite(e);

    public void Start()
    {
    }

    public void Interrupt() => _events.Writer.TryWrite(new InputEvent.Interrupted());

    public void Stop() => _events.Writer.TryComplete();

    public void Dispose() => _events.Writer.TryComplete();
}
