using System.Threading.Channels;
namespace ConsoleChat.Input;

/// <summary>
/// What the user types, as events. Reading happens in the background; <see cref="Interrupt"/> stops it at once
/// (whatever is read after that, a half-typed line included, is never delivered as an event).
/// </summary>
internal interface IChatInput : IDisposable
{
    /// <summary>The events, in the order they happened. Completes after <see cref="EndOfInput"/>, an interrupt or a stop.</summary>
    ChannelReader<InputEvent> Events { get; }

    /// <summary>Starts reading.</summary>
    void Start();

    /// <summary>The first Ctrl-C: stops reading now and posts <see cref="InputEvent.Interrupted"/>.</summary>
    void Interrupt();

    /// <summary>Stops reading without an event (the chat is leaving).</summary>
    void Stop();
}
