using System.Net.WebSockets;
using System.Threading.Channels;

namespace RealtimeClient.Testing;

/// <summary>
/// A scriptable fake WebSocket server that needs no sockets: an <see cref="IWebSocketConnector"/> handing the client
/// a real managed <see cref="WebSocket"/> (client role) whose peer is a server-role managed WebSocket over an
/// <see cref="InMemoryDuplexStream"/> pair. Each attempt follows the next queued <see cref="Handshake"/>, or
/// <see cref="DefaultHandshake"/>. Every request is recorded; accepted connections are handed out by <see cref="AcceptAsync"/>.
/// </summary>
public sealed class InMemoryWebSocketServer : IWebSocketConnector, IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly Queue<Handshake> _script = new();
    private readonly List<WebSocketConnectRequest> _requests = [];
    private readonly List<FakeServerConnection> _connections = [];
    private readonly Channel<FakeServerConnection> _unaccepted = Channel.CreateUnbounded<FakeServerConnection>();
    private TaskCompletionSource _requestsChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    /// <summary>What an attempt does when no handshake is queued (default <see cref="Handshake.Accept"/>).</summary>
    public Handshake DefaultHandshake { get; set; } = Handshake.Accept;

    /// <summary>
    /// Runs for each accepted connection before the client gets its socket and before the server reads anything:
    /// the place to set <see cref="FakeServerConnection.OnMessage"/> without missing a message.
    /// </summary>
    public Action<FakeServerConnection>? OnAccepted { get; set; }

    /// <summary>Every connection request so far (accepted or not), in order.</summary>
    public IReadOnlyList<WebSocketConnectRequest> Requests
    {
        get { lock (_lock) { return _requests.ToArray(); } }
    }

    /// <summary>Every accepted connection so far, in order.</summary>
    public IReadOnlyList<FakeServerConnection> Connections
    {
        get { lock (_lock) { return _connections.ToArray(); } }
    }

    /// <summary>Queues the behaviours of the next attempts, in order.</summary>
    public void EnqueueHandshake(params Handshake[] handshakes)
    {
        ArgumentNullException.ThrowIfNull(handshakes);
        lock (_lock)
        {
            foreach (Handshake handshake in handshakes)
            {
                _script.Enqueue(handshake);
            }
        }
    }

    /// <summary>Returns the next accepted connection not yet returned (including ones accepted before the call).</summary>
    public async Task<FakeServerConnection> AcceptAsync(CancellationToken cancellationToken = default) =>
        await _unaccepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Completes when at least <paramref name="count"/> connection attempts have started (their handshake may still be running).</summary>
    public async Task WaitForRequestCountAsync(int count, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_requests.Count >= count)
                {
                    return;
                }

                changed = _requestsChanged.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<WebSocket> ConnectAsync(WebSocketConnectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Handshake handshake;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _requests.Add(request);
            _requestsChanged.TrySetResult();
            _requestsChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            handshake = _script.TryDequeue(out Handshake? next) ? next : DefaultHandshake;
        }

        await handshake.RunAsync(request, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        (InMemoryDuplexStream clientStream, InMemoryDuplexStream serverStream) = InMemoryDuplexStream.CreatePair();
        // The server picks the client's first offered subprotocol, if any.
        string? subProtocol = request.SubProtocols.Count > 0 ? request.SubProtocols[0] : null;
        var connection = new FakeServerConnection(request, serverStream, clientStream, subProtocol);
        WebSocket client = WebSocket.CreateFromStream(
            clientStream,
            new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero, SubProtocol = subProtocol });
        OnAccepted?.Invoke(connection);
        lock (_lock)
        {
            if (_disposed)
            {
                client.Dispose();
                throw new ObjectDisposedException(nameof(InMemoryWebSocketServer));
            }

            _connections.Add(connection);
            connection.Start();
            _unaccepted.Writer.TryWrite(connection);
        }

        return client;
    }

    /// <summary>Drops every connection and waits for their receive loops to end; later attempts throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        FakeServerConnection[] connections;
        lock (_lock)
        {
            _disposed = true;
            connections = _connections.ToArray();
            _unaccepted.Writer.TryComplete();
        }

        foreach (FakeServerConnection connection in connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
