namespace ConsoleChat.View;

/// <summary>Where the line being typed is shown, for an input that reads key by key.</summary>
internal interface IPrompt
{
    /// <summary>Shows <paramref name="typed"/> as the line being typed (empty after Enter).</summary>
    void ShowTyping(string typed);
}
