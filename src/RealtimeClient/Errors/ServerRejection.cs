using System.Globalization;
using System.Net.WebSockets;

namespace RealtimeClient;

/// <summary>How the server refused a message: its negative acknowledgement (code and message), or the close it answered with.</summary>
/// <param name="Code">The code the refusal carried (the sample protocol's <c>code</c>, such as <c>403</c>), if any.</param>
/// <param name="Message">The human-readable reason the refusal carried (the sample protocol's <c>message</c>), if any.</param>
public sealed record ServerRejection(string? Code, string? Message)
{
    /// <summary>The envelope type of the refusal (such as <c>error</c>); <see langword="null"/> for a refusal by close.</summary>
    public string? Type { get; init; }

    /// <summary>The close status the server closed with right after the message (1003, 1007, 1009); <see langword="null"/> for a negative acknowledgement.</summary>
    public WebSocketCloseStatus? CloseStatus { get; init; }

    /// <summary>The whole refusal as the server sent it, for fields the connection does not read; <see langword="null"/> for a refusal by close.</summary>
    public Serialization.Envelope? Reply { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        if (CloseStatus is { } status)
        {
            return $"the server closed with {((int)status).ToString(CultureInfo.InvariantCulture)}{(string.IsNullOrEmpty(Message) ? string.Empty : " " + Message)} after it";
        }

        var text = string.Join(" ", new[] { Code, Message }.Where(s => !string.IsNullOrEmpty(s)));
        return text.Length == 0 ? $"refused by the server ({Type})" : $"refused by the server: {text}";
    }
}
