using System.Text.Json;
using System.Text.Json.Serialization;
using RealtimeClient.Tests.Engine;
using RealtimeClient.Tests.Infrastructure;

namespace RealtimeClient.Tests.Delivery;

public sealed record EchoRequest(string Text);

public sealed record EchoReply(string Text, int Connection);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EchoRequest))]
[JsonSerializable(typeof(EchoReply))]
public sealed partial class DeliveryJsonContext : JsonSerializerContext
{
}

/// <summary>
/// A server that behaves as PROTOCOL.md's Delivery section says, across every connection of one test: a message with an
/// id is accepted once (the first time its id is seen) and acknowledged every time. It can abort the connection after
/// chosen message counts (counted over all connections, resends included), acking the message first or not.
/// </summary>
internal sealed class AckingServer
{
    private readonly object _gate = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<string> _accepted = [];
    private readonly Dictionary<int, bool> _abortAfter;
    private int _received;
    private int _aborts;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="server">The in-memory server whose connections get this behaviour.</param>
    /// <param name="abortAfter">Message counts after which the connection is aborted; the value says whether the message is acked first.</param>
    public AckingServer(InMemoryWebSocketServer server, IReadOnlyDictionary<int, bool>? abortAfter = null)
    {
        _abortAfter = abortAfter is null ? [] : new Dictionary<int, bool>(abortAfter);
        server.OnAccepted = connection => connection.OnMessage = OnMessageAsync;
    }

    public IReadOnlyList<string> Accepted
    {
        get { lock (_gate) { return [.. _accepted]; } }
    }

    public int Received
    {
        get { lock (_gate) { return _received; } }
    }

    public int Aborts
    {
        get { lock (_gate) { return _aborts; } }
    }

    /// <summary>Completes when <see cref="Accepted"/> holds at least <paramref name="count"/> ids.</summary>
    public async Task WaitForAcceptedAsync(int count)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_accepted.Count >= count)
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed;
        }
    }

    private async ValueTask OnMessageAsync(ReceivedFrame frame, FakeServerConnection connection)
    {
        string? id = null;
        using (var document = JsonDocument.Parse(frame.Bytes))
        {
            if (document.RootElement.TryGetProperty("id", out var idElement))
            {
                id = idElement.GetString();
            }
        }

        bool? abortAckFirst = null;
        TaskCompletionSource changed;
        lock (_gate)
        {
            _received++;
            if (id is not null && _seen.Add(id))
            {
                _accepted.Add(id);
            }

            if (_abortAfter.Remove(_received, out var ackFirst))
            {
                abortAckFirst = ackFirst;
                _aborts++;
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        if (id is not null && abortAckFirst is not false)
        {
            await connection.SendTextAsync(JsonSerializer.Serialize(new { type = "ack", id }));
        }

        if (abortAckFirst is not null)
        {
            connection.Abort();
        }
    }
}

internal static class DeliveryKit
{
    public static readonly TimeSpan Safety = TimeSpan.FromSeconds(10);

    /// <summary>Reconnects wait a virtual [30 s, 60 s] after a drop (the connection never stays up 10 s on a still clock).</summary>
    public static readonly TimeSpan OutageDelay = TimeSpan.FromMinutes(1);

    /// <summary>Options for tests that hold the client in an outage: reconnecting waits on the manual clock.</summary>
    public static RealtimeOptions Outage(RealtimeOptions options, QueueOptions? queue = null, Func<ConnectedContext, CancellationToken, ValueTask>? onConnected = null) => new()
    {
        Uri = options.Uri,
        Connector = options.Connector,
        Reconnect = new ReconnectOptions { InitialDelay = OutageDelay, MaxDelay = OutageDelay },
        Queue = queue ?? new QueueOptions(),
        OnConnected = onConnected,
        Acknowledgements = options.Acknowledgements,
        Requests = options.Requests,
    };

    /// <summary>The server aborts <paramref name="server"/>; returns once the client is reconnecting and its wait is on the clock.</summary>
    public static async Task BreakAsync(Harness h, FakeServerConnection server)
    {
        var reconnecting = h.NextState(ConnectionState.Reconnecting);
        server.Abort();
        await reconnecting.WaitAsync(Safety);
        await h.Time.WaitForTimerAsync(d => d > TimeSpan.Zero && d <= OutageDelay).WaitAsync(Safety);
    }

    /// <summary>Ends the outage: advances the clock past the reconnect delay and returns the new server connection once connected.</summary>
    public static async Task<FakeServerConnection> HealAsync(Harness h)
    {
        var connected = h.NextState(ConnectionState.Connected);
        h.Time.Advance(OutageDelay);
        var server = await h.Server.AcceptAsync().WaitAsync(Safety);
        await connected.WaitAsync(Safety);
        return server;
    }

    public static async Task<MessageDeliveryException> FailureOf(Task send)
    {
        var ex = await Assert.ThrowsAsync<MessageDeliveryException>(() => send.WaitAsync(Safety));
        return ex;
    }

    public static async Task<List<string>> ReceiveTextsAsync(FakeServerConnection server, int count)
    {
        List<string> texts = [];
        for (var i = 0; i < count; i++)
        {
            texts.Add((await server.ReceiveAsync().WaitAsync(Safety)).Text!);
        }

        return texts;
    }
}
