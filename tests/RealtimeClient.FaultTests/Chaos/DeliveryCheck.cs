using System.Globalization;
using RealtimeClient.FaultTests.Server;

namespace RealtimeClient.FaultTests.Chaos;

/// <summary>The delivery figures of one run, computed from the server's record and the sends' outcomes.</summary>
public sealed record DeliveryFigures
{
    public required int Sent { get; init; }

    /// <summary>Acknowledged messages the server never received.</summary>
    public required int AckLost { get; init; }

    /// <summary>Acknowledged messages that appear more than once in the de-duplicated stream (under different ids).</summary>
    public required int AckDuplicated { get; init; }

    /// <summary>First arrivals of acknowledged messages that came after a later message's first arrival.</summary>
    public required int AckOutOfOrder { get; init; }

    /// <summary>Repeated arrivals (resends) of acknowledged messages, before de-duplication: allowed.</summary>
    public required int AckResent { get; init; }

    /// <summary>Acknowledged sends that completed with a failure, by reason.</summary>
    public required IReadOnlyDictionary<string, int> AckFailures { get; init; }

    /// <summary>At-most-once messages reported written that the server never received: expected, documented.</summary>
    public required int AtMostOnceLost { get; init; }

    /// <summary>At-most-once messages the server received more than once.</summary>
    public required int AtMostOnceDuplicated { get; init; }

    /// <summary>At-most-once sends that completed with a failure, by reason.</summary>
    public required IReadOnlyDictionary<string, int> AtMostOnceFailures { get; init; }

    /// <summary>Sends whose task had not completed within the bound after the run ended and the connection stopped.</summary>
    public required int NeverCompleted { get; init; }

    /// <summary>A few concrete cases, for whoever reads a failure.</summary>
    public required IReadOnlyList<string> Examples { get; init; }

    public int AckFailed => AckFailures.Values.Sum();
}

/// <summary>Compares what was sent with what the server recorded.</summary>
public static class DeliveryCheck
{
    public const string AckPrefix = "a-";
    public const string AtMostOncePrefix = "m-";
    private const int ExamplesPerKind = 3;

    public static string AckText(int i) => ChatMessage(AckPrefix + i.ToString(CultureInfo.InvariantCulture));

    public static string AtMostOnceText(int i) => ChatMessage(AtMostOncePrefix + i.ToString(CultureInfo.InvariantCulture));

    /// <summary>A chat message of the sample protocol carrying <paramref name="text"/> (plain ASCII, no escaping needed).</summary>
    public static string ChatMessage(string text) => "{\"type\":\"message\",\"data\":{\"text\":\"" + text + "\"}}";

    public static DeliveryFigures Compute(int sent, IReadOnlyList<ReceivedMessage> received, IReadOnlyList<Task<SendResult>> acked, IReadOnlyList<Task<SendResult>> atMostOnce)
    {
        var examples = new Examples();
        var ackArrivals = new int[sent];
        var ackFirsts = new int[sent];
        var atMostOnceArrivals = new int[sent];
        var resent = 0;
        var outOfOrder = 0;
        var highest = -1;
        ReceivedMessage? highestMessage = null;
        foreach (var message in received)
        {
            if (Sequence(message.Text, AckPrefix, sent) is { } k)
            {
                ackArrivals[k]++;
                if (message.Repeat)
                {
                    resent++;
                    continue;
                }

                ackFirsts[k]++;
                if (k < highest)
                {
                    outOfOrder++;
                    examples.Note("out of order", $"out of order: {AckPrefix}{k} first arrived (#{message.Order}, server connection {message.Connection}) after {AckPrefix}{highest} (#{highestMessage!.Order}, connection {highestMessage.Connection})");
                }
                else
                {
                    highest = k;
                    highestMessage = message;
                }
            }
            else if (Sequence(message.Text, AtMostOncePrefix, sent) is { } m)
            {
                atMostOnceArrivals[m]++;
            }
        }

        var ackLost = 0;
        var ackDuplicated = 0;
        var atMostOnceLost = 0;
        var atMostOnceDuplicated = 0;
        for (var i = 0; i < sent; i++)
        {
            if (ackArrivals[i] == 0)
            {
                ackLost++;
                examples.Note("lost", $"lost: {AckPrefix}{i} never reached the server (its send: {Describe(acked[i])})");
            }

            if (ackFirsts[i] > 1)
            {
                ackDuplicated++;
                examples.Note("duplicated", $"duplicated: {AckPrefix}{i} arrived under {ackFirsts[i]} different ids");
            }

            if (atMostOnceArrivals[i] > 1)
            {
                atMostOnceDuplicated++;
                examples.Note("at-most-once duplicated", $"at-most-once duplicated: {AtMostOncePrefix}{i} arrived {atMostOnceArrivals[i]} times");
            }
            else if (atMostOnceArrivals[i] == 0 && atMostOnce[i] is { IsCompletedSuccessfully: true, Result.Delivered: true })
            {
                atMostOnceLost++;
            }
        }

        return new DeliveryFigures
        {
            Sent = sent,
            AckLost = ackLost,
            AckDuplicated = ackDuplicated,
            AckOutOfOrder = outOfOrder,
            AckResent = resent,
            AckFailures = Failures(acked),
            AtMostOnceLost = atMostOnceLost,
            AtMostOnceDuplicated = atMostOnceDuplicated,
            AtMostOnceFailures = Failures(atMostOnce),
            NeverCompleted = acked.Concat(atMostOnce).Count(t => !t.IsCompleted),
            Examples = examples.All,
        };
    }

    /// <summary>Failed sends by reason: the library's reason, or the type of an unexpected exception.</summary>
    public static IReadOnlyDictionary<string, int> Failures(IEnumerable<Task<SendResult>> sends)
    {
        var failures = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var send in sends)
        {
            var reason = send.Status switch
            {
                TaskStatus.RanToCompletion when send.Result.Delivered => null,
                TaskStatus.RanToCompletion => send.Result.Failure,
                TaskStatus.Faulted => "threw " + send.Exception!.InnerException!.GetType().Name,
                TaskStatus.Canceled => "canceled",
                _ => null, // not completed: counted as never completed
            };
            if (reason is not null)
            {
                failures[reason] = failures.GetValueOrDefault(reason) + 1;
            }
        }

        return failures;
    }

    private static string Describe(Task<SendResult> send) => send.Status switch
    {
        TaskStatus.RanToCompletion => send.Result.Delivered ? "acknowledged" : "failed " + send.Result.Failure,
        TaskStatus.Faulted => "threw " + send.Exception!.InnerException!.GetType().Name,
        _ => "never completed",
    };

    private static int? Sequence(string text, string prefix, int sent) =>
        text.StartsWith(prefix, StringComparison.Ordinal)
        && int.TryParse(text.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var k)
        && k < sent
            ? k
            : null;

    /// <summary>At most a few examples of each kind of failure.</summary>
    private sealed class Examples
    {
        private readonly Dictionary<string, int> _perKind = [];

        public List<string> All { get; } = [];

        public void Note(string kind, string example)
        {
            var seen = _perKind.GetValueOrDefault(kind);
            if (seen < ExamplesPerKind)
            {
                All.Add(example);
            }

            _perKind[kind] = seen + 1;
        }
    }
}
