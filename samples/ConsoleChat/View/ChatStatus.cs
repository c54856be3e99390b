using System.Globalization;

namespace ConsoleChat.View;

/// <summary>The chat at a glance: what the status line and <c>/status</c> show.</summary>
/// <param name="State">The connection's state in the user's words ("connecting", "connected", "reconnecting", "closed").</param>
/// <param name="Attempt">While reconnecting: the number of the next attempt.</param>
/// <param name="NextTryAt">While reconnecting: when the next attempt starts, if known.</param>
/// <param name="Pending">Lines waiting to be written to the server.</param>
/// <param name="AwaitingAck">Lines written and waiting for the server's acknowledgement.</param>
internal sealed record ChatStatus(string State, int? Attempt, DateTimeOffset? NextTryAt, int Pending, int AwaitingAck)
{
    /// <summary>Before anything is known.</summary>
    public static ChatStatus Starting { get; } = new("starting", null, null, 0, 0);

    /// <summary>The status as one line of text, counting down to the next try from <paramref name="now"/>.</summary>
    public string Describe(DateTimeOffset now)
    {
        var state = State;
        if (Attempt is { } attempt)
        {
            state += NextTryAt is { } at && at > now
                ? string.Create(CultureInfo.InvariantCulture, $" (attempt {attempt} in {Math.Ceiling((at - now).TotalSeconds):0} s)")
                : string.Create(CultureInfo.InvariantCulture, $" (attempt {attempt})");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{state} · {Pending} pending · {AwaitingAck} awaiting ack");
    }
}
