using System.Net.WebSockets;

namespace RealtimeClient.Tests.Reconnect;

/// <summary>
/// Opens sockets through another connector (the in-memory server) and wraps each one so a test can make its pending or
/// next receive fail with an exception of its choosing, the way the runtime reports a fault the in-memory transport cannot
/// produce (a keep-alive abort, for instance). The inner socket is aborted when the fault is injected, as the runtime does.
/// </summary>
internal sealed class FaultingConnector(IWebSocketConnector inner) : IWebSocketConnector
{
    private readonly List<FaultingWebSocket> _sockets = [];

    public IReadOnlyList<FaultingWebSocket> Sockets
    {
        get
        {
            lock (_sockets)
            {
                return [.. _sockets];
            }
        }
    }

    public async ValueTask<WebSocket> ConnectAsync(WebSocketConnectRequest request, CancellationToken cancellationToken)
    {
        var socket = new FaultingWebSocket(await inner.ConnectAsync(request, cancellationToken).ConfigureAwait(false));
        lock (_sockets)
        {
            _sockets.Add(socket);
        }

        return socket;
    }
}

/// <summary>A socket that delegates to another one until <see cref="FailReceive"/> makes its receive throw.</summary>
internal sealed class FaultingWebSocket(WebSocket inner) : WebSocket
{
    private readonly TaskCompletionSource<Exception> _fault = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override WebSocketCloseStatus? CloseStatus => inner.CloseStatus;

    public override string? CloseStatusDescription => inner.CloseStatusDescription;

    public override WebSocketState State => inner.State;

    public override string? SubProtocol => inner.SubProtocol;

    /// <summary>The pending receive (or the next one) throws <paramref name="exception"/>; the inner socket is aborted.</summary>
    public void FailReceive(Exception exception)
    {
        _fault.TrySetResult(exception);
        inner.Abort();
    }

    public override void Abort() => inner.Abort();

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        inner.CloseAsync(closeStatus, statusDescription, cancellationToken);

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    public override void Dispose() => inner.Dispose();

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage, CloseStatus, CloseStatusDescription);
    }

    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_fault.Task.IsCompleted)
        {
            throw await _fault.Task.ConfigureAwait(false);
        }

        var receive = inner.ReceiveAsync(buffer, cancellationToken).AsTask();
        await Task.WhenAny(receive, _fault.Task).ConfigureAwait(false);
        if (_fault.Task.IsCompleted)
        {
            _ = receive.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw await _fault.Task.ConfigureAwait(false);
        }

        return await receive.ConfigureAwait(false);
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);
}
