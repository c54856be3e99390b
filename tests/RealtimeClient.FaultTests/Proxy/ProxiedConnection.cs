using System.Net.Sockets;

namespace RealtimeClient.FaultTests.Proxy;

/// <summary>
/// One connection through <see cref="FaultProxy"/>: the socket the client opened and the socket the proxy opened to the
/// target, with one pump per direction. Faults apply to this connection alone (the proxy's "all" commands call them on
/// every connection). Thread-safe.
/// </summary>
/// <remarks>
/// A pump reads a chunk, waits while the link is frozen, waits as the link's speed says, then forwards the chunk. So a
/// frozen link holds at most one chunk per direction and reads nothing more: the sender feels the back-pressure as on a
/// stalled network. A pump ends when its side closes (FIN is passed on), fails (the whole connection is reset), or the
/// proxy is disposed; <see cref="Completed"/> completes when both pumps have ended and both sockets are closed.
/// </remarks>
public sealed class ProxiedConnection
{
    /// <summary>How long a cut connection may take to see both peers close before it is reset.</summary>
    private static readonly TimeSpan CutLinger = TimeSpan.FromSeconds(2);

    private const int BufferSize = 16 * 1024;

    private readonly Socket _client;
    private readonly Socket _server;
    private readonly FaultProxy _owner;
    private readonly FreezeGate _gate = new();
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LinkSpeed? _speed;
    private int _pumpsRunning = 2;
    private int _ending; // 0 running, 1 cut (discarding until the peers close), 2 reset or closed
    private long _bytesToServer;
    private long _bytesToClient;
    private long _slowedChunks;

    internal ProxiedConnection(int number, Socket client, Socket server, FaultProxy owner, bool frozen, LinkSpeed? speed)
    {
        Number = number;
        _client = client;
        _server = server;
        _owner = owner;
        _speed = speed;
        if (frozen)
        {
            _gate.Freeze();
        }
    }

    /// <summary>The 1-based number of this connection among those the proxy forwarded.</summary>
    public int Number { get; }

    /// <summary>Bytes forwarded (handed to the socket) from the client to the target.</summary>
    public long BytesToServer => Interlocked.Read(ref _bytesToServer);

    /// <summary>Bytes forwarded (handed to the socket) from the target to the client.</summary>
    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    /// <summary>Chunks that waited because the link was slowed.</summary>
    public long SlowedChunks => Interlocked.Read(ref _slowedChunks);

    /// <summary>Whether forwarding is frozen.</summary>
    public bool IsFrozen => _gate.IsFrozen;

    /// <summary>Completes when both pumps have ended and both sockets are closed.</summary>
    public Task Completed => _completed.Task;

    /// <summary>
    /// Completes once a pump has read a chunk during the current freeze and is holding it (not forwarded). For tests
    /// that must know the freeze is really holding data back.
    /// </summary>
    public Task Holding
    {
        get
        {
            lock (_lock)
            {
                return _holding.Task;
            }
        }
    }

    /// <summary>Closes both sides with FIN: forwarding stops, what arrives is discarded until each peer closes.</summary>
    public void Cut()
    {
        if (Interlocked.CompareExchange(ref _ending, 1, 0) != 0)
        {
            return;
        }

        _gate.Thaw();
        ShutdownSend(_client);
        ShutdownSend(_server);
        _ = ResetAfterAsync(CutLinger);
    }

    /// <summary>Closes both sides with RST (linger 0): both peers see the connection reset.</summary>
    public void Reset()
    {
        if (Interlocked.Exchange(ref _ending, 2) == 2)
        {
            return;
        }

        _gate.Thaw();
        Abort(_client);
        Abort(_server);
    }

    /// <summary>Stops forwarding in both directions; the sockets stay open.</summary>
    public void Freeze()
    {
        lock (_lock)
        {
            if (!_gate.IsFrozen && _holding.Task.IsCompleted)
            {
                _holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _gate.Freeze();
        }
    }

    /// <summary>Resumes forwarding, starting with the chunks held during the freeze.</summary>
    public void Thaw() => _gate.Thaw();

    /// <summary>Slows forwarding as <paramref name="speed"/> says; <see langword="null"/> forwards at full speed again.</summary>
    public void Slow(LinkSpeed? speed) => Volatile.Write(ref _speed, speed);

    internal void Start(CancellationToken proxyToken)
    {
        _ = PumpAsync(_client, _server, toServer: true, proxyToken);
        _ = PumpAsync(_server, _client, toServer: false, proxyToken);
    }

    private async Task PumpAsync(Socket from, Socket to, bool toServer, CancellationToken proxyToken)
    {
        var buffer = new byte[BufferSize];
        try
        {
            // Bounded by the connection's life: every way out of it (peer close, cut, reset, proxy disposal) ends the reads.
            while (true)
            {
                var speed = Volatile.Read(ref _speed);
                var limit = speed?.ChunkLimit(buffer.Length) ?? buffer.Length;
                var read = await from.ReceiveAsync(buffer.AsMemory(0, limit), SocketFlags.None, proxyToken).ConfigureAwait(false);
                if (read == 0)
                {
                    // The peer closed its side: pass the FIN on (unless a fault already ended the connection).
                    if (Volatile.Read(ref _ending) == 0)
                    {
                        ShutdownSend(to);
                    }

                    return;
                }

                if (Volatile.Read(ref _ending) != 0)
                {
                    continue; // cut: discard until the peer closes
                }

                if (_gate.IsFrozen)
                {
                    lock (_lock)
                    {
                        _holding.TrySetResult();
                    }
                }

                await _gate.WaitAsync(proxyToken).ConfigureAwait(false);
                speed = Volatile.Read(ref _speed);
                if (speed is not null && speed.PauseFor(read) is var pause && pause > TimeSpan.Zero)
                {
                    Interlocked.Increment(ref _slowedChunks);
                    await Task.Delay(pause, proxyToken).ConfigureAwait(false);
                }

                if (Volatile.Read(ref _ending) != 0)
                {
                    continue;
                }

                // Counted when handed on, so a peer that has read them finds them counted.
                if (toServer)
                {
                    Interlocked.Add(ref _bytesToServer, read);
                }
                else
                {
                    Interlocked.Add(ref _bytesToClient, read);
                }

                _owner.CountForwarded(toServer, read);
                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, proxyToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A peer reset its side, a fault or the proxy closed the sockets: pass the reset on to the other peer.
            Reset();
        }
        finally
        {
            if (Interlocked.Decrement(ref _pumpsRunning) == 0)
            {
                Close();
            }
        }
    }

    private async Task ResetAfterAsync(TimeSpan delay)
    {
        // Bounded: the proxy's disposal resets the connection anyway, so this wait never outlives the proxy by much.
        await Task.WhenAny(_completed.Task, Task.Delay(delay)).ConfigureAwait(false);
        Reset();
    }

    private void Close()
    {
        Interlocked.Exchange(ref _ending, 2);
        _client.Dispose();
        _server.Dispose();
        _gate.Thaw();
        _owner.Forget(this);
        _completed.TrySetResult();
    }

    private static void ShutdownSend(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed or reset: nothing left to shut down.
        }
    }

    internal static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing left to reset.
        }

        // Close(0), not Dispose(): with a read pending, Dispose first unblocks it with a graceful shutdown, which sends
        // a FIN before the RST; a zero close timeout makes the whole close abortive.
        socket.Close(0);
    }
}
