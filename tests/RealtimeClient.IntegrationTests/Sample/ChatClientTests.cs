using System.Net.WebSockets;
using System.Reactive.Subjects;
using System.Threading.Channels;
using ConsoleChat.Client;
using ConsoleChat.Input;
using NSubstitute;
using RealtimeClient.Outbox;
using RealtimeClient.Serialization;
using RealtimeClient.Testing;
using RealtimeClient.Tests.TestKit;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// The sample's chat logic (<see cref="ChatClient"/>) against a substitute <see cref="IRealtimeConnection"/>: no socket and
/// no server; the test plays the connection (its states, the outcome of each send) and the user (lines, Ctrl-C).
/// </summary>
public sealed class ChatClientTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = VirtualClock.DefaultStart;

    private readonly IRealtimeConnection _connection = Substitute.For<IRealtimeConnection>();
    private readonly BehaviorSubject<StateChange> _states = new(new StateChange(ConnectionState.Disconnected, ConnectionState.Disconnected, Now));
    private readonly Channel<(string Type, ChatText Payload, SendOptions? Options, TaskCompletionSource Outcome)> _sends = Channel.CreateUnbounded<(string, ChatText, SendOptions?, TaskCompletionSource)>();
    private readonly VirtualClock _clock = new();
    private readonly RecordingChatView _view = new();
    private readonly ScriptedChatInput _input = new();
    private readonly ChatClient _chat;

    public ChatClientTests()
    {
        _connection.StateChanges.Returns(_states);
        _connection.On<ChatMessage>(Arg.Any<string>()).Returns(new Subject<ChatMessage>());
        _connection.On<Presence>(Arg.Any<string>()).Returns(new Subject<Presence>());
        _connection.Envelopes.Returns(new Subject<Envelope>());
        _connection.RecoveredDeliveries.Returns(new Subject<DeliveryReport>()); // NSubstitute's own observable would emit one null report
#pragma warning disable CA2012 // NSubstitute's setup calls the method to configure it; that ValueTask is never awaited
        _connection.SendAsync(Arg.Any<string>(), Arg.Any<ChatText>(), Arg.Any<SendOptions?>(), Arg.Any<CancellationToken>())
            .Returns(call =>
            {
                // Each send completes when the test says so: acknowledged, or failed with the server's refusal.
                var outcome = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _sends.Writer.TryWrite((call.ArgAt<string>(0), call.ArgAt<ChatText>(1), call.ArgAt<SendOptions?>(2), outcome));
                return new ValueTask(outcome.Task);
            });
#pragma warning restore CA2012
        _chat = new ChatClient(new ChatClientOptions { Url = new Uri("ws://chat.test:8080/ws"), Token = "alice" }, _view, _connection, _clock);
    }

    [Fact]
    public async Task A_typed_line_is_sent_as_an_acknowledged_message_and_counts_as_delivered_on_its_ack()
    {
        var run = _chat.RunAsync(_input, CancellationToken.None);
        Enter(ConnectionState.Connecting, ConnectionState.Connected);
        await _view.WaitForAsync("connected").Safe();

        _input.Type(new InputEvent.Line("hello there"));
        var send = await _sends.Reader.ReadAsync().AsTask().Safe();

        Assert.Equal("message", send.Type);
        Assert.Equal(new ChatText("hello there"), send.Payload);
        Assert.Same(SendOptions.Acknowledged, send.Options);
        send.Outcome.SetResult(); // the server's ack
        _input.Type(new InputEvent.EndOfInput());
        Assert.Equal(ExitCodes.Ok, await run.Safe());
        Assert.Contains("bye: every line was delivered", _view.Lines);
        Assert.DoesNotContain(_view.Lines, l => l.Contains("pending", StringComparison.Ordinal)); // typed while connected
        await _connection.Received(1).StopAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_line_the_server_refuses_is_shown_failed_with_the_servers_code_and_reason()
    {
        var run = _chat.RunAsync(_input, CancellationToken.None);
        Enter(ConnectionState.Connecting, ConnectionState.Connected);
        await _view.WaitForAsync("connected").Safe();

        _input.Type(new InputEvent.Line("forbidden words"));
        var send = await _sends.Reader.ReadAsync().AsTask().Safe();
        send.Outcome.SetException(new MessageDeliveryException("m-1", new ServerRejection("403", "that word is not allowed") { Type = "error" }));

        await _view.WaitForAsync("✗ line 1 not delivered (the server refused it: 403 that word is not allowed): forbidden words").Safe();
        _input.Type(new InputEvent.EndOfInput());
        Assert.Equal(ExitCodes.Undelivered, await run.Safe());
        Assert.Contains("bye: 1 line(s) not delivered", _view.Lines);
    }

    [Fact]
    public async Task State_changes_are_shown_with_the_attempt_the_delay_and_the_cause()
    {
        var run = _chat.RunAsync(_input, CancellationToken.None);
        Enter(ConnectionState.Connecting, ConnectionState.Connected);
        await _view.WaitForAsync("connected").Safe();
        var lost = new DisconnectInfo(DisconnectKind.ServerClosed) { CloseStatus = WebSocketCloseStatus.InternalServerError };

        Enter(ConnectionState.Connected, ConnectionState.Reconnecting, attempt: 1, delay: TimeSpan.FromSeconds(2), disconnect: lost);
        await _view.WaitForAsync("reconnecting: attempt 1 in 2.0 s").Safe();
        await _view.WaitForAsync("! " + ConnectionProblems.Describe(lost, new Uri("ws://chat.test:8080/ws")).Text).Safe();
        Enter(ConnectionState.Reconnecting, ConnectionState.Connected);
        await _view.WaitForAsync("authenticated again").Safe();

        Enter(
            ConnectionState.Connected,
            ConnectionState.Closed,
            disconnect: new DisconnectInfo(DisconnectKind.ServerClosed) { CloseStatus = (WebSocketCloseStatus)4001 },
            reason: CloseReason.FatalCloseStatus);

        Assert.Equal(ExitCodes.AuthFailed, await run.Safe());
        Assert.Equal(
            ["connecting to ws://chat.test:8080/ws…", "authenticated as alice", "connected", "reconnecting: attempt 1 in 2.0 s"],
            _view.Lines.Take(4));
        Assert.Equal("connection closed: the server refused the token; start again with another --token", _view.Lines[^1]);
    }

    [Fact]
    public async Task Ctrl_C_with_lines_pending_names_them_waits_the_quit_time_then_names_each_undelivered_line()
    {
        var run = _chat.RunAsync(_input, CancellationToken.None);
        Enter(ConnectionState.Disconnected, ConnectionState.Reconnecting, attempt: 1, delay: TimeSpan.FromSeconds(1));
        await _view.WaitForAsync("reconnecting: attempt 1 in 1.0 s").Safe();
        _input.Type(new InputEvent.Line("first words"));
        _input.Type(new InputEvent.Line("second words"));
        await _view.WaitForAsync("… line 2 pending (offline): second words").Safe();

        _input.Interrupt(); // the first Ctrl-C
        await _view.WaitForAsync("Ctrl-C: still pending: line 1, line 2; waiting up to 2 s (Ctrl-C again leaves now)").Safe();
        await _clock.WaitForTimerAsync(due => due == TimeSpan.FromSeconds(2)).Safe();
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(ExitCodes.Undelivered, await run.Safe());
        var lines = _view.Lines.ToList();
        var one = lines.IndexOf("✗ line 1 not delivered (no acknowledgement within 2 s): first words");
        var two = lines.IndexOf("✗ line 2 not delivered (no acknowledgement within 2 s): second words");
        Assert.True(one >= 0 && two > one, string.Join("\n", lines));
        Assert.Equal("bye: 2 line(s) not delivered", lines[^1]);
    }

    public async ValueTask DisposeAsync()
    {
        await _chat.DisposeAsync();
        _view.Dispose();
        _input.Dispose();
        _states.Dispose();
    }

    private void Enter(ConnectionState from, ConnectionState to, int attempt = 1, TimeSpan? delay = null, DisconnectInfo? disconnect = null, CloseReason? reason = null)
    {
        _connection.State.Returns(to);
        _states.OnNext(new StateChange(from, to, Now) { Attempt = attempt, RetryDelay = delay, Disconnect = disconnect, CloseReason = reason });
    }
}
