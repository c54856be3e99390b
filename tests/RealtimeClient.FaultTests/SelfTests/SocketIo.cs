using System.Net;
using System.Net.Sockets;
using System.Text;
using RealtimeClient.FaultTests.Support;

namespace RealtimeClient.FaultTests.SelfTests;

/// <summary>Small bounded socket helpers for the proxy's self-tests.</summary>
internal static class SocketIo
{
    public static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), Bounded.Token());
        return socket;
    }

    public static async Task SendAsync(Socket socket, string text) =>
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, Bounded.Token());

    /// <summary>Reads exactly <paramref name="count"/> bytes (fails if the peer closes first).</summary>
    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        var token = Bounded.Token();
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, token);
            if (n == 0)
            {
                throw new EndOfStreamException($"The peer closed after {read} of {count} bytes.");
            }

            read += n;
        }

        return buffer;
    }

    public static async Task<string> ReadTextAsync(Socket socket, int count) => Encoding.ASCII.GetString(await ReadExactlyAsync(socket, count));

    /// <summary>
    /// Connects and reads: how the connection ended, as <see cref="ReadEndAsync"/> says. A reset that arrives so soon
    /// that the connect call itself reports it counts as "reset" too (on a loaded machine the connect completes late).
    /// </summary>
    public static async Task<string> ConnectAndReadEndAsync(int port)
    {
        Socket socket;
        try
        {
            socket = await ConnectAsync(port);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return "reset";
        }

        using (socket)
        {
            return await ReadEndAsync(socket);
        }
    }

    /// <summary>How a read ended: "fin" (0 bytes), "reset", or "data" if bytes came instead.</summary>
    public static async Task<string> ReadEndAsync(Socket socket)
    {
        var buffer = new byte[256];
        try
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, Bounded.Token());
            return n == 0 ? "fin" : "data";
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return "reset";
        }
    }
}
