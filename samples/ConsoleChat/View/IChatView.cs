namespace ConsoleChat.View;

/// <summary>How the chat shows what happens. It knows nothing of sockets: the chat logic tells it in the user's words.</summary>
internal interface IChatView : IDisposable
{
    /// <summary>Shows one line.</summary>
    void Show(ChatLine line);

    /// <summary>Updates the status at a glance (the terminal's status line; nothing in plain output).</summary>
    void ShowStatus(ChatStatus status);
}
