namespace ConsoleChat.Input;

/// <summary>Turns a typed line into a command or a line to send.</summary>
internal static class Commands
{
    public const string Help = """
        commands:
          /help     this text
          /status   the connection's state, lines pending, lines awaiting ack
          /quit     leave (pending lines get a short chance to go out first; Ctrl-C does the same)
        Any other line is sent to the chat. A second Ctrl-C leaves at once.
        """;

    /// <summary>The event for <paramref name="line"/>, or null for a blank line (nothing to do).</summary>
    public static InputEvent? Parse(string line)
    {
        var trimmed = line.Trim();
        if (trimmed.Length == 0)
        {
            return null;
        }

        if (!trimmed.StartsWith('/') || trimmed.StartsWith("//", StringComparison.Ordinal))
        {
            // "//text" sends "/text", for a line that must start with a slash.
            return new InputEvent.Line(trimmed.StartsWith("//", StringComparison.Ordinal) ? line.TrimStart()[1..] : line);
        }

        return trimmed.ToLowerInvariant() switch
        {
            "/quit" or "/exit" => new InputEvent.Quit(),
            "/help" or "/?" => new InputEvent.Help(),
            "/status" => new InputEvent.Status(),
            _ => new InputEvent.UnknownCommand(trimmed.Split(' ', 2)[0]),
        };
    }
}
