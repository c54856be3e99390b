using System.Net;
using System.Net.Sockets;

namespace RealtimeClient.FaultTests.Proxy;

/// <summary>
/// A TCP proxy on 127.0.0.1 that forwards every connection to a target port and, on command, breaks the link the way
/// networks do: <see cref="CutAll"/> (FIN), <see cref="ResetAll"/> (RST), <see cref="FreezeAll"/> /
/// <see cref="ThawAll"/> (a stall with the sockets open), <see cref="Slow"/> (delay per chunk or a byte rate), and
/// <see cref="Refuse"/> (new connections turned away). Each command applies to every open connection; the freeze, the
/// speed and the refusal also apply to connections that open later, until lifted. Single connections are reached
/// through <see cref="OpenConnections"/> and <see cref="WaitForConnectionAsync"/>. Thread-safe.
/// </summary>
/// <remarks>
/// Disposing closes the listener and resets every connection, and waits (bounded) for every pump to end.
/// </remarks>
public sealed class FaultProxy : IAsyncDisposable
{
    private static readonly TimeSpan UpstreamConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DisposeBound = TimeSpan.FromSeconds(10);

    private readonly int _targetPort;
    private readonly int? _socketBufferSize;
    private readonly CancellationTokenSource _cts = new();
    private readonly Lock _lock = new();
    private readonly List<ProxiedConnection> _open = [];
    private readonly List<Task> _background = [];
    private TaskCompletionSource _connectionAdded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _listener;
    private bool _frozen;
    private LinkSpeed? _speed;
    private RefuseMode? _refuse;
    private bool _disposed;
    private int _forwarded;
    private int _refused;
    private int _upstreamFailures;
    private long _bytesToServer;
    private long _bytesToClient;

    /// <summary>Starts listening on 127.0.0.1 (<paramref name="listenPort"/>, 0 for any free port).</summary>
    /// <param name="targetPort">Where connections are forwarded, on 127.0.0.1.</param>
    /// <param name="listenPort">The port to listen on (default 0: the operating system picks one).</param>
    /// <param name="socketBufferSize">
    /// The send and receive buffer of every proxy socket (default: the operating system's, which grows to megabytes on
    /// loopback). A small value makes a frozen link push back on the sender sooner.
    /// </param>
    public FaultProxy(int targetPort, int listenPort = 0, int? socketBufferSize = null)
    {
        _targetPort = targetPort;
        _socketBufferSize = socketBufferSize;
        Listen(listenPort);
    }

    /// <summary>The port the proxy listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The WebSocket address of <paramref name="path"/> through the proxy.</summary>
    public Uri WebSocketUri(string path = "/ws") => new($"ws://127.0.0.1:{Port}{path}");

    /// <summary>Connections forwarded to the target so far.</summary>
    public int ConnectionsForwarded => Volatile.Read(ref _forwarded);

    /// <summary>Connections accepted and closed at once because of <see cref="RefuseMode.AcceptAndClose"/>.</summary>
    public int ConnectionsRefused => Volatile.Read(ref _refused);

    /// <summary>Connections closed because the target could not be reached.</summary>
    public int UpstreamFailures => Volatile.Read(ref _upstreamFailures);

    /// <summary>Bytes forwarded from clients to the target, over every connection.</summary>
    public long BytesToServer => Interlocked.Read(ref _bytesToServer);

    /// <summary>Bytes forwarded from the target to clients, over every connection.</summary>
    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    /// <summary>The connections open now.</summary>
    public IReadOnlyList<ProxiedConnection> OpenConnections
    {
        get
        {
            lock (_lock)
            {
                return [.. _open];
            }
        }
    }

    /// <summary>Closes every open connection with FIN on both sides.</summary>
    public void CutAll()
    {
        foreach (var connection in OpenConnections)
        {
            connection.Cut();
        }
    }

    /// <summary>Resets every open connection (RST on both sides).</summary>
    public void ResetAll()
    {
        foreach (var connection in OpenConnections)
        {
            connection.Reset();
        }
    }

    /// <summary>Stops forwarding on every connection, open now or opened later, until <see cref="ThawAll"/>.</summary>
    public void FreezeAll()
    {
        lock (_lock)
        {
            _frozen = true;
            foreach (var connection in _open)
            {
                connection.Freeze();
            }
        }
    }

    /// <summary>Resumes forwarding on every connection.</summary>
    public void ThawAll()
    {
        lock (_lock)
        {
            _frozen = false;
            foreach (var connection in _open)
            {
                connection.Thaw();
            }
        }
    }

    /// <summary>Slows every connection, open now or opened later; <see langword="null"/> restores full speed.</summary>
    public void Slow(LinkSpeed? speed)
    {
        lock (_lock)
        {
            _speed = speed;
            foreach (var connection in _open)
            {
                connection.Slow(speed);
            }
        }
    }

    /// <summary>Turns new connections away as <paramref name="mode"/> says, until <see cref="AcceptNew"/>. Open connections are untouched.</summary>
    public void Refuse(RefuseMode mode)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _refuse = mode;
            if (mode == RefuseMode.StopListening)
            {
                _listener?.Dispose();
                _listener = null;
            }
            else if (_listener is null)
            {
                Listen(Port); // accept (and close) again after a StopListening
            }
        }
    }

    /// <summary>Forwards new connections again (listening again on the same port if it had stopped).</summary>
    public void AcceptNew()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _refuse = null;
            if (_listener is null)
            {
                Listen(Port);
            }
        }
    }

    /// <summary>Waits until the <paramref name="number"/>-th connection (1-based) has been forwarded, and returns it.</summary>
    public async Task<ProxiedConnection> WaitForConnectionAsync(int number, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        // Bounded by the token: each pass waits for one more connection.
        while (true)
        {
            Task added;
            lock (_lock)
            {
                foreach (var connection in _open)
                {
                    if (connection.Number == number)
                    {
                        return connection;
                    }
                }

                if (_forwarded >= number)
                {
                    throw new InvalidOperationException($"Connection {number} was forwarded and has closed already.");
                }

                added = _connectionAdded.Task;
            }

            await added.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Closes the listener, resets every connection, and waits (at most 10 s) for everything to end.</summary>
    /// <exception cref="TimeoutException">Something did not end in time: a bug in the proxy.</exception>
    public async ValueTask DisposeAsync()
    {
        Task[] pending;
        ProxiedConnection[] open;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _listener?.Dispose();
            _listener = null;
            open = [.. _open];
            pending = [.. _background];
        }

        // Reset first, then cancel the pumps' reads: cancelling first can leave a read half-cancelled when the socket is
        // closed, and the runtime then shuts the socket down gracefully (a FIN) before the reset.
        foreach (var connection in open)
        {
            connection.Reset();
        }

        _cts.Cancel();

        var all = Task.WhenAll(pending.Concat(open.Select(c => c.Completed)));
        await all.WaitAsync(DisposeBound).ConfigureAwait(false);
        _cts.Dispose();
    }

    /// <summary>Called by a connection as it closes, before its <see cref="ProxiedConnection.Completed"/> completes.</summary>
    internal void Forget(ProxiedConnection connection)
    {
        lock (_lock)
        {
            _open.Remove(connection);
        }
    }

    internal void CountForwarded(bool toServer, int bytes)
    {
        if (toServer)
        {
            Interlocked.Add(ref _bytesToServer, bytes);
        }
        else
        {
            Interlocked.Add(ref _bytesToClient, bytes);
        }
    }

    // Called under _lock (or from the constructor).
    private void Listen(int port)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Listening again on the same port right after StopListening must not trip over TIME_WAIT.
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (_socketBufferSize is { } size)
            {
                // Inherited by accepted sockets.
                listener.ReceiveBufferSize = size;
                listener.SendBufferSize = size;
            }

            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        _listener = listener;
        _background.Add(AcceptLoopAsync(listener, _cts.Token));
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken cancellationToken)
    {
        // Bounded by the listener's life: StopListening and DisposeAsync close it, which ends AcceptAsync.
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return; // the listener was closed (refuse, dispose)
            }

            lock (_lock)
            {
                if (_disposed || _refuse is not null)
                {
                    if (!_disposed)
                    {
                        _refused++;
                    }

                    client.Dispose();
                    continue;
                }

                _background.RemoveAll(static t => t.IsCompleted);
                _background.Add(ForwardAsync(client, cancellationToken));
            }
        }
    }

    private async Task ForwardAsync(Socket client, CancellationToken cancellationToken)
    {
        client.NoDelay = true;
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (_socketBufferSize is { } size)
        {
            server.ReceiveBufferSize = size;
            server.SendBufferSize = size;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(UpstreamConnectTimeout);
            await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _targetPort), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The target is down: the client sees its connection reset, as when a server vanishes behind a balancer.
            Interlocked.Increment(ref _upstreamFailures);
            ProxiedConnection.Abort(client);
            server.Dispose();
            return;
        }

        ProxiedConnection connection;
        TaskCompletionSource added;
        lock (_lock)
        {
            if (_disposed)
            {
                client.Dispose();
                server.Dispose();
                return;
            }

            _forwarded++;
            connection = new ProxiedConnection(_forwarded, client, server, this, _frozen, _speed);
            _open.Add(connection);
            added = _connectionAdded;
            _connectionAdded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.TrySetResult();
        connection.Start(cancellationToken);
        await connection.Completed.ConfigureAwait(false);
    }
}
