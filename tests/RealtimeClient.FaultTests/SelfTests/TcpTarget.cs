using System.Net;
using System.Net.Sockets;
using RealtimeClient.FaultTests.Support;

namespace RealtimeClient.FaultTests.SelfTests;

/// <summary>A bare TCP listener on 127.0.0.1 for the proxy's self-tests: each accepted socket is handed to the test.</summary>
internal sealed class TcpTarget : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _accepted = [];

    public TcpTarget()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary>Accepts the next connection (bounded).</summary>
    public async Task<Socket> AcceptAsync()
    {
        var socket = await _listener.AcceptAsync(Bounded.Token());
        _accepted.Add(socket);
        return socket;
    }

    public void Dispose()
    {
        _listener.Dispose();
        foreach (var socket in _accepted)
        {
            socket.Dispose();
        }
    }

    /// <summary>
    /// A port nothing listens on, held (bound, never listening) until disposed so that no other test can take it:
    /// connecting to it is refused.
    /// </summary>
    public static Socket HoldClosedPort(out int port)
    {
        var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        return holder;
    }
}
