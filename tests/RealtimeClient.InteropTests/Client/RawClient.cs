using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.Client;

/// <summary>
/// A bare <see cref="ClientWebSocket"/> with bounded waits: what the self-tests use to prove the peers and their
/// controls, independently of the library. Each connection carries a tag in its query string, so a test finds its own
/// lines in the peer's log (<see cref="PeerLog.ForTag"/>).
/// </summary>
public sealed class RawClient : IAsyncDisposable
{
    /// <summary>The bound of every wait; reached only when something is wrong.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly byte[] _buffer = new byte[64 * 1024];

    private RawClient(ClientWebSocket socket, string tag)
    {
        Socket = socket;
        Tag = tag;
    }

    public ClientWebSocket Socket { get; }

    public string Tag { get; }

    public static string NewTag() => Guid.NewGuid().ToString("N")[..16];

    /// <summary><paramref name="path"/>?tag=<paramref name="tag"/>[&amp;<paramref name="query"/>].</summary>
    public static string PathAndQuery(string path, string tag, string? query = null) =>
        query is null ? $"{path}?tag={tag}" : $"{path}?tag={tag}&{query}";

    /// <summary>Connects to the peer's <see cref="InteropPeer.Url"/>, configured by the peer (TLS trust), then by <paramref name="configure"/>.</summary>
    public static Task<RawClient> ConnectAsync(
        InteropPeer peer,
        string path = "/",
        string? query = null,
        Action<ClientWebSocketOptions>? configure = null,
        string? tag = null)
    {
        tag ??= NewTag();
        return ConnectAsync(peer.Url(PathAndQuery(path, tag, query)), tag, options =>
        {
            peer.ConfigureClient(options);
            configure?.Invoke(options);
        });
    }

    public static async Task<RawClient> ConnectAsync(Uri url, string tag, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await socket.ConnectAsync(url, timeout.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawClient(socket, tag);
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public Task SendBinaryAsync(ReadOnlyMemory<byte> data) => SendAsync(data, WebSocketMessageType.Binary);

    /// <summary>Sends one message as the given frames (the last one ends the message).</summary>
    public async Task SendFramesAsync(WebSocketMessageType type, params ReadOnlyMemory<byte>[] frames)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        for (var i = 0; i < frames.Length; i++)
        {
            await Socket.SendAsync(frames[i], type, i == frames.Length - 1, timeout.Token);
        }
    }

    /// <summary>The next whole message, or the close frame; <see cref="TimeoutException"/> after <see cref="Timeout"/>.</summary>
    public async Task<ReceivedMessage> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var data = new ArrayBufferWriter<byte>();
        var chunks = new List<int>();
        try
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(_buffer.AsMemory(), timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new ReceivedMessage(WebSocketMessageType.Close, [], chunks, Socket.CloseStatus, Socket.CloseStatusDescription);
                }

                data.Write(_buffer.AsSpan(0, result.Count));
                chunks.Add(result.Count);
                if (result.EndOfMessage)
                {
                    return new ReceivedMessage(result.MessageType, data.WrittenSpan.ToArray(), chunks);
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"no whole message within {Timeout.TotalSeconds:0} s (received {data.WrittenCount} bytes of one)");
        }
    }

    /// <summary>The close handshake from the client's side: sends the close frame and waits (bounded) for the answer.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await Socket.CloseAsync(status, description, timeout.Token);
    }

    /// <summary>Drops the connection at once (no close handshake): the test is over.</summary>
    public ValueTask DisposeAsync()
    {
        Socket.Abort();
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageType type)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await Socket.SendAsync(data, type, true, timeout.Token);
    }
}
