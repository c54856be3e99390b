using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>A bare <see cref="ClientWebSocket"/> that authenticates and reads the server's frames, independent of the library.</summary>
internal sealed class RawObserver : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _timeout = new(CapturedOutput.Timeout);

    /// <summary>The <c>online_count</c> of the <c>auth_success</c> answer: who was online, this observer included.</summary>
    public int OnlineCountAtLogin { get; private set; }

    public static async Task<RawObserver> ConnectAndAuthenticateAsync(Uri url, string token)
    {
        var observer = new RawObserver();
        await observer._socket.ConnectAsync(url, observer._timeout.Token);
        Assert.Equal("system", (await observer.ReceiveAsync()).GetProperty("type").GetString());
        var auth = Encoding.UTF8.GetBytes($"{{\"type\":\"auth\",\"data\":{{\"token\":\"{token}\"}}}}");
        await observer._socket.SendAsync(auth, WebSocketMessageType.Text, endOfMessage: true, observer._timeout.Token);
        var success = await observer.ReceiveAsync();
        Assert.Equal("auth_success", success.GetProperty("type").GetString());
        observer.OnlineCountAtLogin = success.GetProperty("data").GetProperty("online_count").GetInt32();
        return observer;
    }

    /// <summary>Reads frames until a <c>message</c> with <paramref name="lastText"/>; returns every <c>message</c> read (sender, text, server id).</summary>
    public async Task<List<(string Sender, string Text, string Id)>> ReadMessagesUntilAsync(string lastText)
    {
        var messages = new List<(string Sender, string Text, string Id)>();
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.GetProperty("type").GetString() != "message")
            {
                continue;
            }

            var data = frame.GetProperty("data");
            var text = data.GetProperty("text").GetString()!;
            messages.Add((data.GetProperty("sender").GetProperty("username").GetString()!, text, data.GetProperty("id").GetString()!));
            if (text == lastText)
            {
                return messages;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        _timeout.Dispose();
        await Task.CompletedTask;
    }

    private async Task<JsonElement> ReceiveAsync()
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, _timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"The server closed the observer's connection: {result.CloseStatus} {result.CloseStatusDescription}");
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                using var document = JsonDocument.Parse(message.ToArray());
                return document.RootElement.Clone();
            }
        }
    }
}
