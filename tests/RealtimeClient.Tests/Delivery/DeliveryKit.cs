using System.Text.Json;
using NSubstitute;
using RealtimeClient.Testing;

namespace RealtimeClient.Tests.Delivery;

public sealed record EchoRequest(string Text);

public sealed record EchoReply(string Text, int Connection);

/// <summary>
/// A server that behaves as docs/protocol.md's delivery section says, across every connection of one test: a message with
/// an id is accepted once (the first time its id is seen) and acknowledged every time. It can abort the connection after
/// chosen message counts (counted over all connections, resends included), acking the message first or not.
/// </summary>
internal sealed class AckingServer
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<string> _accepted = [];
    private readonly Dictionary<int, bool> _abortAfter;
    private int _received;
    private int _aborts;

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

    private async ValueTask OnMessageAsync(ReceivedFrame frame, FakeServerConnection connection)
    {
        var id = DeliveryKit.IdOf(frame);
        bool? abortAckFirst = null;
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
        }

        if (id is not null && abortAckFirst is not false)
        {
            await DeliveryKit.AckAsync(connection, id);
        }

        if (abortAckFirst is not null)
        {
            connection.Abort();
        }
    }
}

/// <summary>An outage begun by <see cref="DeliveryKit.BreakAsync"/>: the client waits on the virtual clock until it is healed.</summary>
internal sealed class Outage(Harness h, DateTimeOffset endsAt)
{
    /// <summary>Ends the outage: advances the clock to the end of the reconnect delay; returns the new server side once connected.</summary>
    public async Task<FakeServerConnection> HealAsync()
    {
        var connected = h.NextState(ConnectionState.Connected);
        var left = endsAt - h.Clock.GetUtcNow();
        h.Clock.Advance(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        var server = await h.Server.AcceptAsync().Safe();
        await connected;
        return server;
    }
}

internal static class DeliveryKit
{
    /// <summary>Every reconnect waits exactly this long (a substitute policy): an outage lasts until the test heals it.</summary>
    public static readonly TimeSpan OutageDelay = TimeSpan.FromMinutes(1);

    /// <summary>A reconnect policy (a substitute) that always waits <paramref name="delay"/>.</summary>
    public static IReconnectPolicy FixedDelay(TimeSpan delay)
    {
        var policy = Substitute.For<IReconnectPolicy>();
        policy.NextDelay(Arg.Any<ReconnectContext>()).Returns(delay);
        return policy;
    }

    /// <summary>Options for tests that hold the client in an outage: every reconnect waits <see cref="OutageDelay"/> on the virtual clock.</summary>
    public static RealtimeOptions WithOutages(RealtimeOptions options) =>
        options with { Reconnect = options.Reconnect with { Policy = FixedDelay(OutageDelay) } };

    /// <summary>The server aborts <paramref name="server"/>; returns once the client is reconnecting and its wait is on the clock.</summary>
    public static async Task<Outage> BreakAsync(Harness h, FakeServerConnection server)
    {
        var reconnecting = h.NextState(ConnectionState.Reconnecting);
        server.Abort();
        var state = await reconnecting;
        Assert.Equal(OutageDelay, state.RetryDelay);
        await h.Clock.WaitForTimerAsync(d => d == OutageDelay).Safe();
        return new Outage(h, h.Clock.GetUtcNow() + OutageDelay);
    }

    /// <summary>
    /// Waits until the client has finished with every write it started (a message the server received may still be
    /// "being written" on the client for a moment): a volatile message takes the write lock after the pump let go of it,
    /// so once the server receives it, every earlier write has its bookkeeping done. Consumes that one frame.
    /// </summary>
    public static async Task SettleAsync(Harness h, FakeServerConnection server)
    {
        await h.Connection.SendTextAsync("settle", SendOptions.Volatile).AsTask().Safe();
        Assert.Equal("settle", (await server.ReceiveAsync().Safe()).Text);
    }

    public static async Task<MessageDeliveryException> FailureOf(Task send) =>
        await Assert.ThrowsAsync<MessageDeliveryException>(() => send.Safe());

    public static async Task<List<string>> ReceiveTextsAsync(FakeServerConnection server, int count)
    {
        List<string> texts = [];
        for (var i = 0; i < count; i++)
        {
            texts.Add((await server.ReceiveAsync().Safe()).Text!);
        }

        return texts;
    }

    /// <summary>The envelope id of a frame the client sent, if it has one.</summary>
    public static string? IdOf(ReceivedFrame frame)
    {
        using var document = JsonDocument.Parse(frame.Bytes);
        return document.RootElement.TryGetProperty("id", out var id) ? id.GetString() : null;
    }

    /// <summary>The envelope type of a frame the client sent.</summary>
    public static string TypeOf(ReceivedFrame frame)
    {
        using var document = JsonDocument.Parse(frame.Bytes);
        return document.RootElement.GetProperty("type").GetString()!;
    }

    public static Task AckAsync(FakeServerConnection server, string id) =>
        server.SendTextAsync(JsonSerializer.Serialize(new { type = "ack", id }));

    /// <summary>The sample protocol's refusal: an <c>error</c> that repeats the refused frame's id.</summary>
    public static Task RefuseAsync(FakeServerConnection server, string id, int code, string message) =>
        server.SendTextAsync(JsonSerializer.Serialize(new { type = "error", id, code, message }));

    /// <summary>Acknowledged send options with a chosen id.</summary>
    public static SendOptions Acked(string id, TimeSpan? timeToLive = null) =>
        new() { Delivery = DeliveryMode.AtLeastOnce, MessageId = id, TimeToLive = timeToLive };

    /// <summary>A small envelope of type <c>m</c> whose id is <paramref name="id"/>, as text.</summary>
    public static string Envelope(string id) => $"{{\"type\":\"m\",\"id\":\"{id}\"}}";
}
