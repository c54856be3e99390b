using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using RealtimeClient.InteropTests.Peers;
using RealtimeClient.Tests.TestKit;

namespace RealtimeClient.InteropTests.Client;

/// <summary>
/// The library under test, connected to a peer: a <see cref="RealtimeConnection"/> with the options every scenario starts
/// from (<see cref="DefaultOptions"/>) and recorders of its state changes, inbound messages and errors, read in order. The
/// calls to the library that scenarios share live here, so a change of its API touches this file and the options the
/// scenarios set. Every wait is bounded by <see cref="Wait.Timeout"/>.
/// </summary>
public sealed class PeerConnection : IAsyncDisposable
{
    private PeerConnection(InteropPeer peer, string tag, RealtimeOptions options, ILoggerFactory? logging)
    {
        Peer = peer;
        Tag = tag;
        Options = options;
        Connection = new RealtimeConnection(options, logging);
        States = new Recorder<StateChange>(Connection.StateChanges);
        Messages = new Recorder<InboundMessage>(Connection.Messages);
        Errors = new Recorder<RealtimeError>(Connection.Errors);
    }

    public InteropPeer Peer { get; }

    /// <summary>In the query string of every connection this client opens: <c>Peer.Log.ForTag(Tag)</c> reads its lines.</summary>
    public string Tag { get; }

    public RealtimeOptions Options { get; }

    public RealtimeConnection Connection { get; }

    internal Recorder<StateChange> States { get; }

    internal Recorder<InboundMessage> Messages { get; }

    internal Recorder<RealtimeError> Errors { get; }

    /// <summary>Every disconnect so far (failed attempts included), in order.</summary>
    public IReadOnlyList<DisconnectInfo> Disconnects => [.. States.Values.Where(c => c.Disconnect is not null).Select(c => c.Disconnect!)];

    /// <summary>
    /// What every scenario starts from: the peer's <see cref="InteropPeer.Url"/> (wss:// through nginx, with the run's
    /// private CA trusted) carrying <paramref name="tag"/>, and a backoff of tens of milliseconds, so a reconnect takes no
    /// longer than the peer needs. Everything else is the library's default.
    /// </summary>
    public static RealtimeOptions DefaultOptions(InteropPeer peer, string tag, string path = "/", string? query = null) => new()
    {
        Uri = peer.Url(RawClient.PathAndQuery(path, tag, query)),
        Transport = peer.SecureUrl() is null ? new TransportOptions() : new TransportOptions { Configure = peer.ConfigureClient },
        Reconnect = new ReconnectOptions
        {
            InitialDelay = TimeSpan.FromMilliseconds(20),
            MaxDelay = TimeSpan.FromMilliseconds(200),
            RetryWhenNetworkReturns = false,
        },
    };

    /// <summary>A connection (not started) with <see cref="DefaultOptions"/> changed by <paramref name="adjust"/>.</summary>
    public static PeerConnection Create(
        InteropPeer peer,
        Func<RealtimeOptions, RealtimeOptions>? adjust = null,
        string path = "/",
        ILoggerFactory? logging = null)
    {
        var tag = RawClient.NewTag();
        var options = DefaultOptions(peer, tag, path);
        return new PeerConnection(peer, tag, adjust is null ? options : adjust(options), logging);
    }

    /// <summary>A connection, started and connected.</summary>
    public static async Task<PeerConnection> ConnectAsync(
        InteropPeer peer,
        Func<RealtimeOptions, RealtimeOptions>? adjust = null,
        string path = "/",
        ILoggerFactory? logging = null)
    {
        var client = Create(peer, adjust, path, logging);
        try
        {
            await client.StartAsync();
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    /// <summary>Starts and waits until connected.</summary>
    public Task StartAsync() => Connection.StartAsync().Safe();

    /// <summary>The next state change (in order from the last one read) that ended a socket or an attempt.</summary>
    public Task<StateChange> NextDisconnectAsync() => States.SkipToAsync(c => c.Disconnect is not null);

    /// <summary>The next change (in order from the last one read) to <paramref name="state"/>.</summary>
    public Task<StateChange> NextStateAsync(ConnectionState state) => States.SkipToAsync(c => c.Current == state);

    /// <summary>The next inbound message, in order from the last one read.</summary>
    public Task<InboundMessage> NextMessageAsync() => Messages.SkipToAsync(_ => true);

    /// <summary>Sends a text message (a control, say) and waits until it is written.</summary>
    public Task SendTextAsync(string text) => Connection.SendTextAsync(text).Safe();

    /// <summary>Sends text and returns its echo (the next inbound message).</summary>
    public async Task<string?> EchoAsync(string text)
    {
        await SendTextAsync(text);
        return (await NextMessageAsync()).Text;
    }

    /// <summary>Asks the peer for <c>ctl:handshake</c> and returns its report of this socket's handshake.</summary>
    public async Task<JsonElement> HandshakeAsync()
    {
        await SendTextAsync("ctl:handshake");
        var reply = await Messages.SkipToAsync(m => m.Text?.StartsWith("""{"type":"handshake""", StringComparison.Ordinal) == true);
        using var document = JsonDocument.Parse(reply.Text!);
        return document.RootElement.Clone();
    }

    /// <summary>A JSON envelope of the default format, for acknowledged sends of raw text.</summary>
    public static string Envelope(string type, string id, string data) =>
        JsonSerializer.Serialize(new { type, id, data });

    /// <summary>The bytes of <paramref name="message"/>, text or binary.</summary>
    public static byte[] BytesOf(InboundMessage message) =>
        message.Kind == MessageKind.Text ? Encoding.UTF8.GetBytes(message.Text!) : message.Data.ToArray();

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync().Safe();
        States.Dispose();
        Messages.Dispose();
        Errors.Dispose();
    }
}
