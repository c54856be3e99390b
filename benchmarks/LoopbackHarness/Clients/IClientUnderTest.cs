namespace LoopbackHarness.Clients;

/// <summary>
/// One connection of one side of the table (bare <c>ClientWebSocket</c>, the library, or Websocket.Client), driven by
/// the same measurement code for all. Inbound messages are pushed to the <see cref="IInboundSink"/> given at creation,
/// from whatever thread the client receives on.
/// </summary>
/// <remarks>
/// Adding a client is one class implementing this interface (or <see cref="IReconnectingClient"/> when it reconnects by
/// itself and keeps what is sent meanwhile) plus one line in Program.cs's list of sides. <see cref="ReceiveMode.Text"/>:
/// call <c>OnText</c> with each text message as a string; <see cref="ReceiveMode.Ticks"/>: decode each tick envelope and
/// call <c>OnTick</c>; <see cref="ReceiveMode.CountOnly"/> may behave like Text. DisposeAsync must be idempotent and
/// finish promptly even when the server is gone.
/// </remarks>
internal interface IClientUnderTest : IAsyncDisposable
{
    /// <summary>Opens the connection; completes once messages can be sent and received.</summary>
    Task ConnectAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sends one text message. The measurement code awaits each send before the next (the bare side needs
    /// that: one outstanding send per <c>ClientWebSocket</c>), except in the reconnect run, which only uses
    /// <see cref="IReconnectingClient"/>s.
    /// </summary>
    ValueTask SendTextAsync(string text, CancellationToken cancellationToken);
}

/// <summary>A client that reconnects by itself (the library); the bare side is not one.</summary>
internal interface IReconnectingClient : IClientUnderTest
{
    /// <summary>The reconnect delay the client was configured with (shown next to the measured time).</summary>
    TimeSpan ConfiguredReconnectDelay { get; }

    /// <summary>Completes when the client has noticed that the connection is lost.</summary>
    Task WaitUntilDisconnectedAsync(CancellationToken cancellationToken);

    /// <summary>Completes when the client is connected again.</summary>
    Task WaitUntilConnectedAsync(CancellationToken cancellationToken);
}

/// <summary>What the client does with each inbound message.</summary>
internal enum ReceiveMode
{
    /// <summary>Deliver every text message as a string (<see cref="IInboundSink.OnText"/>).</summary>
    Text,

    /// <summary>Decode tick envelopes and deliver the typed payload (<see cref="IInboundSink.OnTick"/>).</summary>
    Ticks,

    /// <summary>Only count messages, no decoding (the bare "server ceiling" reference row).</summary>
    CountOnly,
}

/// <summary>Receives what a client under test delivers. Implementations must be cheap and thread-safe.</summary>
internal interface IInboundSink
{
    void OnText(string text);

    void OnTick(Tick tick);

    /// <summary>A message arrived that was not decoded (<see cref="ReceiveMode.CountOnly"/>).</summary>
    void OnRawMessage(int byteCount);

    /// <summary>
    /// The client failed for good (not a loss the client will recover from by reconnecting); pending and later
    /// waits fail with it.
    /// </summary>
    void OnFault(Exception error);
}

/// <summary>Everything a side needs to create one client.</summary>
internal sealed record ClientRequest(Uri Uri, ReceiveMode Mode, IInboundSink Sink, TimeSpan ReconnectDelay);

/// <summary>One column of the table.</summary>
/// <param name="hasReconnectRows">
/// False for a client whose sends are dropped silently while it is disconnected (Websocket.Client): the reconnect run
/// queues sends while the server is down and waits for their echoes, which would never come. Its cells read "n/a".
/// </param>
internal sealed class ClientSide(string name, Func<ClientRequest, IClientUnderTest> create, bool hasReconnectRows = true)
{
    public string Name { get; } = name;

    public bool HasReconnectRows { get; } = hasReconnectRows;

    public IClientUnderTest Create(ClientRequest request) => create(request);

    public override string ToString() => Name;
}
