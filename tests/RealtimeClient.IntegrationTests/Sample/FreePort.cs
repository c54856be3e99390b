using System.Net;
using System.Net.Sockets;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>Ports on 127.0.0.1 for tests: one nothing listens on, or one kept busy.</summary>
internal static class FreePort
{
    /// <summary>A port that was free a moment ago and that nothing listens on now.</summary>
    public static int Unused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A listener that keeps a port busy until disposed.</summary>
    public static TcpListener Busy()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }
}
