namespace ConsoleChat.View;

/// <summary>What kind of line the chat shows; the terminal view colours by it, the plain view ignores it.</summary>
internal enum LineKind
{
    /// <summary>Something neutral the chat says (authenticated, help, status, bye).</summary>
    Info,

    /// <summary>The connection's state changed (connecting, connected, reconnecting).</summary>
    State,

    /// <summary>A chat message from someone (the sender included).</summary>
    Chat,

    /// <summary>Someone came online or went offline.</summary>
    Presence,

    /// <summary>A line of ours waits for the connection.</summary>
    Pending,

    /// <summary>A line of ours that was pending was delivered.</summary>
    Delivered,

    /// <summary>A line of ours was not delivered.</summary>
    Failed,

    /// <summary>Something went wrong, with its cause and, when there is one, a hint.</summary>
    Problem,
}

/// <summary>One line the chat shows. <see cref="Sender"/> is set for chat messages only.</summary>
internal sealed record ChatLine(LineKind Kind, string Text, string? Sender = null)
{
    /// <summary>The line as plain text, the way a script reads it.</summary>
    public string Plain => Sender is null ? Text : $"{Sender}: {Text}";
}
