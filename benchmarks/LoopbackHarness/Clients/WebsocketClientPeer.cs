using System.Net.WebSockets;
using System.Text.Json;
using Websocket.Client;

namespace LoopbackHarness.Clients;

/// <summary>
/// The closest peer, <c>Websocket.Client</c> 5.5.1 (<see cref="WebsocketClient"/>), used through its public API the
/// way its README shows: <c>StartOrFail()</c>, <c>MessageReceived</c> (<c>.Text</c>), <c>Stop</c> + <c>Dispose</c>.
/// </summary>
/// <remarks>
/// <para>Send = <c>SendInstant(text)</c>, awaited: it writes under the client's lock and completes once the message is
/// written, the same contract as the bare <c>SendAsync</c> and the library's awaited <c>SendAsync</c>, so the shared
/// measurement code means the same thing for all three. Its other send, <c>Send(text)</c>, returns <c>bool</c> after
/// putting the message in an unbounded channel drained by a background task: there is nothing to await, so a pipelined
/// run would measure how fast an unbounded queue fills. Neither send takes a <see cref="CancellationToken"/>.</para>
/// <para>Ticks: it has no typed receive, so a user deserialises <c>msg.Text</c> (the string it builds for every text
/// message) with System.Text.Json, here with the same source-generated metadata as the bare client.</para>
/// <para>Settings are its defaults (<c>ReconnectTimeout</c> 1 min: a 1 s timer per connection checks for silence), except
/// that a disconnection is reported to the sink as a fault: this harness uses it as a plain client. Both its sends drop a
/// message silently while disconnected (<c>SendInstant</c> returns, <c>Send</c> returns true, nothing is written), so
/// its reconnect rows are n/a (<see cref="ClientSide.HasReconnectRows"/>).</para>
/// </remarks>
internal sealed class WebsocketClientPeer : IClientUnderTest
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);

    private readonly WebsocketClient _client;
    private readonly List<IDisposable> _subscriptions = [];
    private int _disposed;

    public WebsocketClientPeer(ClientRequest request)
    {
        _client = new WebsocketClient(request.Uri);
        var sink = request.Sink;
        _subscriptions.Add(_client.MessageReceived.Subscribe(
            request.Mode == ReceiveMode.Ticks ? new TickObserver(sink) : new TextObserver(sink)));
        _subscriptions.Add(_client.DisconnectionHappened.Subscribe(new DisconnectionObserver(this, sink)));
    }

    private bool IsDisposing => Volatile.Read(ref _disposed) != 0;

    public Task ConnectAsync(CancellationToken cancellationToken) => _client.StartOrFail().WaitAsync(cancellationToken);

    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken) => new(_client.SendInstant(text));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // Close handshake (Stop waits for the server's close); bounded, then Dispose aborts whatever is left.
            if (_client.IsRunning)
            {
                await _client.Stop(WebSocketCloseStatus.NormalClosure, "").WaitAsync(StopTimeout);
            }
        }
        catch (Exception)
        {
            // Server gone or slow: Dispose below aborts the socket.
        }

        _client.Dispose();
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }

    private sealed class TextObserver(IInboundSink sink) : IObserver<ResponseMessage>
    {
        public void OnNext(ResponseMessage value) => sink.OnText(value.Text ?? string.Empty);

        public void OnError(Exception error) => sink.OnFault(error);

        public void OnCompleted()
        {
        }
    }

    private sealed class TickObserver(IInboundSink sink) : IObserver<ResponseMessage>
    {
        public void OnNext(ResponseMessage value)
        {
            if (value.Text is { } text
                && JsonSerializer.Deserialize(text, HarnessJsonContext.Default.TickEnvelope) is { Type: "tick", Data: { } tick })
            {
                sink.OnTick(tick);
            }
        }

        public void OnError(Exception error) => sink.OnFault(error);

        public void OnCompleted()
        {
        }
    }

    // Any disconnection outside DisposeAsync fails the waits: its sends would be dropped while it reconnects.
    private sealed class DisconnectionObserver(WebsocketClientPeer owner, IInboundSink sink) : IObserver<DisconnectionInfo>
    {
        public void OnNext(DisconnectionInfo value)
        {
            if (!owner.IsDisposing)
            {
                sink.OnFault(new WebSocketException(
                    $"Websocket.Client disconnected ({value.Type}): {value.Exception?.Message ?? value.CloseStatusDescription}"));
            }
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }
}
