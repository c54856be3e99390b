namespace ConsoleChat.Input;

/// <summary>What the user did: typed a line or a command, ended the input, or pressed Ctrl-C.</summary>
internal abstract record InputEvent
{
    /// <summary>A line to send.</summary>
    public sealed record Line(string Text) : InputEvent;

    /// <summary><c>/help</c>.</summary>
    public sealed record Help : InputEvent;

    /// <summary><c>/status</c>.</summary>
    public sealed record Status : InputEvent;

    /// <summary><c>/quit</c>.</summary>
    public sealed record Quit : InputEvent;

    /// <summary>A command the chat does not know (it is not sent).</summary>
    public sealed record UnknownCommand(string Command) : InputEvent;

    /// <summary>The end of the input (a pipe closed, or Ctrl-D in a terminal).</summary>
    public sealed record EndOfInput : InputEvent;

    /// <summary>The first Ctrl-C: reading has stopped.</summary>
    public sealed record Interrupted : InputEvent;
}
