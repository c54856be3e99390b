using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace KestrelPeer;

/// <summary>One client: echoes every message, runs the <c>ctl:</c> controls, acknowledges ids on <c>/ack</c>.</summary>
internal sealed class EchoConnection(Peer peer, HttpContext context, WebSocket socket, string conn)
{
    private const string ControlPrefix = "ctl:";
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);
    private readonly bool _ackMode = context.Request.Path.Value == "/ack";

    // ctl:refuse: ids whose message is answered with an error instead of its echo and ack (this connection only).
    private readonly Dictionary<string, (int Code, string Message)> _refusals = new(StringComparer.Ordinal);

    /// <summary>Runs until the connection ends; returns the close code and reason the client sent (1006: none).</summary>
    public async Task<(int Code, string Reason)> RunAsync(CancellationToken aborted)
    {
        var message = new ArrayBufferWriter<byte>();
        var chunk = new byte[16 * 1024];
        try
        {
            while (true)
            {
                message.ResetWrittenCount();
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(chunk.AsMemory(), aborted);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        return await AnswerCloseAsync(aborted);
                    }

                    if (message.WrittenCount + received.Count > peer.MaxMessageSize)
                    {
                        return await CloseAsync(WebSocketCloseStatus.MessageTooBig, "message too big", aborted);
                    }

                    message.Write(chunk.AsSpan(0, received.Count));
                }
                while (!received.EndOfMessage);

                if (!await HandleAsync(received.MessageType, message.WrittenMemory, aborted))
                {
                    return ClientClose();
                }

                if (socket.State == WebSocketState.CloseSent)
                {
                    return await WaitForClientCloseAsync(aborted);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            return ClientClose();
        }
    }

    /// <summary>Handles one whole message; false when the connection must end without reading any more.</summary>
    private async Task<bool> HandleAsync(WebSocketMessageType type, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (type == WebSocketMessageType.Binary)
        {
            peer.Log.Write(new JsonObject { ["conn"] = conn, ["event"] = "binary", ["size"] = data.Length });
            await socket.SendAsync(data, WebSocketMessageType.Binary, true, ct);
            return true;
        }

        var text = Encoding.UTF8.GetString(data.Span);
        if (text.StartsWith(ControlPrefix, StringComparison.Ordinal))
        {
            peer.Log.Write(new JsonObject { ["conn"] = conn, ["event"] = "control", ["command"] = text });
            return await RunControlAsync(text[ControlPrefix.Length..], ct);
        }

        var entry = new JsonObject { ["conn"] = conn, ["event"] = "text", ["size"] = data.Length };
        if (data.Length <= 4096)
        {
            entry["text"] = text;
        }

        var id = _ackMode || _refusals.Count > 0 ? MessageId(text) : null;
        if (id is not null && _refusals.Remove(id, out var refusal))
        {
            entry["id"] = id;
            entry["refused"] = true;
            peer.Log.Write(entry);
            await SendJsonAsync(new JsonObject { ["type"] = "error", ["id"] = id, ["code"] = refusal.Code, ["message"] = refusal.Message }, ct);
            return true;
        }

        id = _ackMode ? id : null;
        var duplicate = id is not null && peer.IsDuplicate(id);
        if (id is not null)
        {
            entry["id"] = id;
            entry["duplicate"] = duplicate;
        }

        peer.Log.Write(entry);
        if (!duplicate)
        {
            await socket.SendAsync(data, WebSocketMessageType.Text, true, ct);
        }

        if (id is not null)
        {
            await SendJsonAsync(new JsonObject { ["type"] = "ack", ["id"] = id }, ct);
        }

        return true;
    }

    private async Task<bool> RunControlAsync(string command, CancellationToken ct)
    {
        var words = command.Split(' ');
        var argument = command.Length > words[0].Length ? command[(words[0].Length + 1)..] : "";
        switch (words[0])
        {
            case "close" when words.Length > 1 && int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code):
                await socket.CloseOutputAsync((WebSocketCloseStatus)code, string.Join(' ', words.Skip(2)), ct);
                return true;
            case "abort":
                Abort();
                return false;
            case "silence":
                // Stop reading for good: no more echoes, no more pongs (the runtime answers pings only while a receive runs).
                await Task.Delay(Timeout.Infinite, ct);
                return false;
            case "send-text" or "send-binary" when TryParseSize(words, out var size, out var frames):
                var binary = words[0] == "send-binary";
                await SendFramesAsync(Payloads.SplitEvenly(binary ? Payloads.Binary(size) : Payloads.Text(size), frames), binary, ct);
                return true;
            case "send-fragmented":
                await SendFramesAsync(Payloads.SplitInsideCharacters(Encoding.UTF8.GetBytes(argument)), binary: false, ct);
                return true;
            case "send-invalid-utf8":
                // The runtime does not check the UTF-8 of what it sends.
                await socket.SendAsync(Payloads.InvalidUtf8, WebSocketMessageType.Text, true, ct);
                return true;
            case "refuse" when words.Length > 2 && words[1].Length > 0
                && int.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var refusalCode):
                _refusals[words[1]] = (refusalCode, string.Join(' ', words.Skip(3)));
                return true;
            case "handshake":
                await SendJsonAsync(Handshake(), ct);
                return true;
            default:
                await SendJsonAsync(new JsonObject { ["type"] = "ctl-error", ["message"] = $"unknown or malformed control: ctl:{command}" }, ct);
                return true;
        }
    }

    /// <summary>An RST, no close frame: a zero linger time on the socket under Kestrel, then the connection is dropped.</summary>
    private void Abort()
    {
        var tcp = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (tcp is not null)
        {
            tcp.LingerState = new LingerOption(true, 0);
            tcp.Close();
        }

        context.Abort();
    }

    private JsonObject Handshake()
    {
        var headers = new JsonObject();
        foreach (var (name, values) in context.Request.Headers)
        {
            headers[name.ToLowerInvariant()] = string.Join(", ", values.ToArray());
        }

        var extensions = context.Response.Headers.SecWebSocketExtensions.ToString();
        return new JsonObject
        {
            ["type"] = "handshake",
            ["path"] = context.Request.Path.Value,
            ["query"] = context.Request.QueryString.Value,
            ["headers"] = headers,
            ["subprotocol"] = socket.SubProtocol,
            ["extensions"] = extensions.Length == 0 ? null : extensions,
        };
    }

    private async Task SendFramesAsync(List<ReadOnlyMemory<byte>> chunks, bool binary, CancellationToken ct)
    {
        var type = binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        for (var i = 0; i < chunks.Count; i++)
        {
            await socket.SendAsync(chunks[i], type, i == chunks.Count - 1, ct);
        }
    }

    private Task SendJsonAsync(JsonObject value, CancellationToken ct) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(value.ToJsonString(Json.Options)), WebSocketMessageType.Text, true, ct);

    /// <summary>The client started the close handshake: the answer repeats its code (as ws and websockets do).</summary>
    private async Task<(int Code, string Reason)> AnswerCloseAsync(CancellationToken ct)
    {
        var client = ClientClose();
        if (socket.State == WebSocketState.CloseReceived)
        {
            var status = socket.CloseStatus ?? WebSocketCloseStatus.Empty;
            await socket.CloseOutputAsync(status, status == WebSocketCloseStatus.Empty ? null : socket.CloseStatusDescription, ct);
        }

        return client;
    }

    /// <summary>Starts the close handshake, then reads (and drops) what comes until the client's close, bounded.</summary>
    private async Task<(int Code, string Reason)> CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken ct)
    {
        await socket.CloseOutputAsync(status, reason, ct);
        return await WaitForClientCloseAsync(ct);
    }

    private async Task<(int Code, string Reason)> WaitForClientCloseAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CloseTimeout);
        var discard = new byte[16 * 1024];
        try
        {
            while ((await socket.ReceiveAsync(discard.AsMemory(), timeout.Token)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            socket.Abort();
        }

        return ClientClose();
    }

    /// <summary>The close code the client sent (1005: a close frame without one; 1006: no close frame).</summary>
    private (int Code, string Reason) ClientClose() =>
        socket.CloseStatus is { } status ? ((int)status, socket.CloseStatusDescription ?? "") : (1006, "");

    private static bool TryParseSize(string[] words, out int size, out int frames)
    {
        size = 0;
        frames = 1;
        return words.Length > 1
            && int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out size)
            && (words.Length == 2 || (int.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out frames) && frames > 0));
    }

    private static string? MessageId(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject o && o["id"] is JsonValue id && id.TryGetValue<string>(out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
