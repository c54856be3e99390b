using System.Net;
using System.Net.WebSockets;
using System.Text;
using RealtimeClient.FaultTests.Support;

namespace RealtimeClient.FaultTests.SelfTests;

/// <summary>A bare <see cref="ClientWebSocket"/> with bounded helpers, for the server's self-tests.</summary>
internal sealed class WebSocketProbe : IDisposable
{
    private WebSocketProbe(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    public static async Task<WebSocketProbe> ConnectAsync(Uri uri, string? token = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        try
        {
            await socket.ConnectAsync(uri, Bounded.Token());
            return new WebSocketProbe(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The HTTP status a refused handshake was answered with.</summary>
    public static async Task<HttpStatusCode> RefusalAsync(Uri uri, string? token = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, Bounded.Token()));
        return socket.HttpStatusCode;
    }

    public Task SendAsync(string text) => Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, Bounded.Token());

    public async Task<string> ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        var result = await Socket.ReceiveAsync(buffer, Bounded.Token());
        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        Assert.True(result.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    /// <summary>Reads until the server's close frame and returns its status.</summary>
    public async Task<WebSocketCloseStatus?> ReceiveCloseAsync()
    {
        var buffer = new byte[64 * 1024];
        var token = Bounded.Token();
        // Bounded by the token: the server sends its close soon or the test fails.
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return result.CloseStatus;
            }
        }
    }

    public void Dispose() => Socket.Dispose();
}
