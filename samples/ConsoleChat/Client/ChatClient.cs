using System.Text.Json;
using ConsoleChat.Input;
using ConsoleChat.View;
using RealtimeClient;
using RealtimeClient.Outbox;

namespace ConsoleChat.Client;

/// <summary>
/// The chat logic, and the only code that talks to the library: authenticates on every connect, shows state changes,
/// problems with their hints, chat and presence, sends every line with acknowledged delivery (durable, with an outbox
/// file), and says what became of each line, lines recovered from an earlier run included. It reads what the user does from an <see cref="IChatInput"/> and shows everything through an <see cref="IChatView"/>.
/// </summary>
internal sealed class ChatClient : IAsyncDisposable
{
    private readonly ChatClientOptions _options;
    private readonly IChatView _view;
    private readonly TimeProvider _time;
    private readonly IRealtimeConnection _connection;
    private readonly LineLedger _lines;
    private readonly TaskCompletionSource<StateChange> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _fatalShown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Lock _statusGate = new();
    private ChatStatus _status = ChatStatus.Starting;
    private string? _lastProblem;
    private int _authenticatedBefore;

    public ChatClient(ChatClientOptions options, IChatView view, TimeProvider? time = null)
        : this(options, view, new RealtimeConnection(ChatConnectionSetup.Build(options), timeProvider: time), time)
    {
    }

    /// <summary>The chat over a connection made elsewhere (the sample's own tests pass a substitute).</summary>
    public ChatClient(ChatClientOptions options, IChatView view, IRealtimeConnection connection, TimeProvider? time = null)
    {
        _options = options;
        _view = view;
        _time = time ?? TimeProvider.System;
        _lines = new LineLedger(view.Show);
        _connection = connection;
        Subscribe();
    }

    /// <summary>Runs the chat until the user leaves or the connection closes for good; returns the exit code.</summary>
    public static async Task<int> RunAsync(ChatClientOptions options, IChatInput input, IChatView view, CancellationToken cancellationToken)
    {
        await using var client = new ChatClient(options, view);
        return await client.RunAsync(input, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> RunAsync(IChatInput input, CancellationToken cancellationToken)
    {
        if (_options.OutboxPath is { } outbox)
        {
            _view.Show(new ChatLine(LineKind.Info, $"outbox: {outbox} (every line is kept there until the server acknowledged it)"));
        }

        _view.Show(new ChatLine(LineKind.State, $"connecting to {_options.Url.GetLeftPart(UriPartial.Path)}…"));
        _connection.Start();
        input.Start();
        while (true)
        {
            var next = input.Events.WaitToReadAsync(cancellationToken).AsTask();
            if (await Task.WhenAny(next, _closed.Task).ConfigureAwait(false) == _closed.Task)
            {
                input.Stop();
                return await ClosedForGoodAsync().ConfigureAwait(false);
            }

            if (!await next.ConfigureAwait(false))
            {
                // The input stopped without saying why (it was stopped from outside): leave like /quit.
                return await LeaveAsync(_options.QuitWait, cancellationToken).ConfigureAwait(false);
            }

            while (input.Events.TryRead(out var e))
            {
                switch (e)
                {
                    case InputEvent.Line line:
                        Send(line.Text, cancellationToken);
                        break;
                    case InputEvent.Help:
                        _view.Show(new ChatLine(LineKind.Info, Commands.Help));
                        break;
                    case InputEvent.Status:
                        _view.Show(new ChatLine(LineKind.Info, "status: " + Status().Describe(_time.GetUtcNow())));
                        break;
                    case InputEvent.UnknownCommand unknown:
                        _view.Show(new ChatLine(LineKind.Info, $"unknown command {unknown.Command} (not sent); /help lists the commands, //text sends /text"));
                        break;
                    case InputEvent.Quit:
                        input.Stop();
                        SayWhatIsPending("/quit");
                        return await LeaveAsync(_options.QuitWait, cancellationToken).ConfigureAwait(false);
                    case InputEvent.Interrupted:
                        SayWhatIsPending("Ctrl-C");
                        return await LeaveAsync(_options.QuitWait, cancellationToken).ConfigureAwait(false);
                    case InputEvent.EndOfInput:
                        return await LeaveAsync(_options.Interactive ? _options.QuitWait : _options.DrainTimeout, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private void Send(string text, CancellationToken cancellationToken)
    {
        var notConnected = _connection.State switch
        {
            ConnectionState.Connected => null,
            ConnectionState.Reconnecting => "offline",
            ConnectionState.Closed => "closed",
            _ => "connecting",
        };
        if (_options.OutboxPath is not null)
        {
            // Shown as saved once it is in the file, rather than as pending at once.
            var saved = _lines.Add(text, null);
            _ = SendDurableAsync(saved, notConnected, text, cancellationToken);
            PushStatus();
            return;
        }

        var number = _lines.Add(text, notConnected);
        var delivery = _connection.SendAsync("message", new ChatText(text), SendOptions.Acknowledged, cancellationToken).AsTask();
        _ = delivery.ContinueWith(
            t =>
            {
                _lines.Resolve(number, t.IsCompletedSuccessfully ? null : WhyNotDelivered(t.Exception?.InnerException));
                PushStatus();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        PushStatus();
    }

    /// <summary>A line sent durably: saved to the outbox file first (shown when offline), then its outcome.</summary>
    private async Task SendDurableAsync(int number, string? notConnected, string text, CancellationToken cancellationToken)
    {
        string? failure = null;
        try
        {
            var delivery = await _connection.EnqueueAsync("message", new ChatText(text), SendOptions.Durable, cancellationToken).ConfigureAwait(false);
            if (notConnected is not null)
            {
                _lines.Saved(number, notConnected);
            }

            PushStatus();
            await delivery.Outcome.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = WhyNotDelivered(ex);
        }

        _lines.Resolve(number, failure);
        PushStatus();
    }

    /// <summary>A line from an earlier run, kept in the outbox file, reached its outcome in this run.</summary>
    private void OnRecovered(DeliveryReport report)
    {
        var text = TextOf(report.Entry);
        _view.Show(report.Delivered
            ? new ChatLine(LineKind.Delivered, $"✓ delivered from an earlier run: {text}")
            : new ChatLine(LineKind.Failed, $"✗ not delivered, from an earlier run ({WhyNotDelivered(report.Failure)}): {text}"));
    }

    /// <summary>The text of a line as the outbox kept it: the whole envelope, <c>{"type":"message","id":…,"data":{"text":…}}</c>.</summary>
    private static string TextOf(OutboxEntry entry)
    {
        try
        {
            using var envelope = JsonDocument.Parse(entry.Payload);
            return envelope.RootElement.GetProperty("data").GetProperty("text").GetString() ?? string.Empty;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"(message {entry.Id}, not a chat line)";
        }
    }

    /// <summary>Why a line is given up on when leaving, and where it is (with an outbox, it goes out on the next run).</summary>
    private string GivenUp(string why) => _options.OutboxPath is { } outbox ? $"{why}; kept in {outbox} for the next run" : why;

    private void SayWhatIsPending(string how)
    {
        var pending = _lines.Unresolved;
        _view.Show(new ChatLine(LineKind.Info, pending.Count == 0
            ? $"{how}: leaving, nothing is pending"
            : $"{how}: still pending: {string.Join(", ", pending.Select(p => $"line {p.Number}"))}; waiting up to {_options.QuitWait.TotalSeconds:0.#} s (Ctrl-C again leaves now)"));
    }

    /// <summary>Stops reading, gives pending lines up to <paramref name="wait"/>, names every undelivered line, stops.</summary>
    private async Task<int> LeaveAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (_lines.Unresolved.Count > 0)
        {
            try
            {
                await Task.WhenAny(_lines.WhenAllResolvedAsync(), _closed.Task).WaitAsync(wait, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Named line by line below.
            }
        }

        if (_closed.Task.IsCompleted)
        {
            return await ClosedForGoodAsync().ConfigureAwait(false);
        }

        _lines.GiveUp(GivenUp($"no acknowledgement within {wait.TotalSeconds:0.#} s"));
        var failed = _lines.Failed.Count;
        _view.Show(new ChatLine(LineKind.Info, failed == 0 ? "bye: every line was delivered" : $"bye: {failed} line(s) not delivered"
            + (_options.OutboxPath is { } outbox ? $" (those still in {outbox} go out on the next run with --outbox {outbox})" : string.Empty)));
        await StopAsync().ConfigureAwait(false);
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Undelivered;
    }

    private async Task StopAsync()
    {
        // A close handshake, bounded: a server that does not answer cannot hold the exit up.
        using var bound = new CancellationTokenSource(_options.QuitWait, _time);
        try
        {
            await _connection.StopAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
        }
    }

    private async Task<int> ClosedForGoodAsync()
    {
        var closed = await _closed.Task.ConfigureAwait(false);
        if (closed.CloseReason == CloseReason.FatalMessage)
        {
            // The fatal frame reaches the Envelopes observer through the dispatcher, which can lag behind the Closed state
            // change: give it a moment to print the server's reason before the subscriptions are disposed.
            await Task.WhenAny(_fatalShown.Task, Task.Delay(TimeSpan.FromSeconds(1), _time)).ConfigureAwait(false);
        }

        var (text, code) = DescribeClosed(closed);
        _view.Show(new ChatLine(LineKind.Problem, "connection closed: " + text));
        _lines.GiveUp(closed.CloseReason == CloseReason.OutboxFailed ? "the connection closed" : GivenUp("the connection closed"));

        return code;
    }

    private (string Text, int Code) DescribeClosed(StateChange closed)
    {
        var end = closed.Disconnect;
        var status = (int?)end?.CloseStatus;
        return closed.CloseReason switch
        {
            CloseReason.FatalMessage when end?.MessageType == "kicked" => ("the same user logged in elsewhere, so the server closed this chat (not reconnecting)", ExitCodes.Kicked),
            CloseReason.FatalCloseStatus when status == 4009 => ("the same user logged in elsewhere, so the server closed this chat (not reconnecting)", ExitCodes.Kicked),
            CloseReason.FatalMessage or CloseReason.OnConnectedFatal or CloseReason.AuthenticationFailed => ("the server refused the token; start again with another --token", ExitCodes.AuthFailed),
            CloseReason.FatalCloseStatus when status == 4001 => ("the server refused the token; start again with another --token", ExitCodes.AuthFailed),
            CloseReason.OutboxFailed when end is not null => (ConnectionProblems.Describe(end, _options.Url).Text, ExitCodes.OutboxFailed),
            _ => (end is null ? "stopped" : ConnectionProblems.Describe(end, _options.Url).Text, ExitCodes.Closed),
        };
    }


    private void OnStateChange(StateChange change)
    {
        if (change.Current == ConnectionState.Disconnected)
        {
            return; // the replay of the state before Start() to a new subscriber ("Disconnected -> Disconnected"), not a change
        }

        switch (change.Current)
        {
            case ConnectionState.Connected:
                // Said here rather than in the hook, so that a line typed after it is never shown as pending.
                _lastProblem = null;
                _view.Show(new ChatLine(LineKind.Info, Interlocked.Exchange(ref _authenticatedBefore, 1) == 1 ? "authenticated again" : $"authenticated as {_options.Token}"));
                _view.Show(new ChatLine(LineKind.State, "connected"));
                break;
            case ConnectionState.Reconnecting:
                _view.Show(new ChatLine(LineKind.State, $"reconnecting: attempt {change.Attempt}" + (change.RetryDelay is { } d ? $" in {d.TotalSeconds:0.0} s" : string.Empty)));
                if (change.Previous == ConnectionState.Connected)
                {
                    _lines.WentOffline();
                }

                ShowProblem(change.Disconnect);
                break;
            case ConnectionState.Closed:
                _closed.TrySetResult(change);
                break;
        }

        lock (_statusGate)
        {
            _status = _status with
            {
                State = change.Current switch
                {
                    ConnectionState.Connected => "connected",
                    ConnectionState.Connecting => "connecting",
                    ConnectionState.Reconnecting => "reconnecting",
                    ConnectionState.Closed => "closed",
                    _ => "not started",
                },
                Attempt = change.Current == ConnectionState.Reconnecting ? change.Attempt : null,
                NextTryAt = change.Current == ConnectionState.Reconnecting && change.RetryDelay is { } delay ? change.Timestamp + delay : null,
            };
        }

        PushStatus();
    }

    // A problem is shown when it first happens, not again on every attempt that fails the same way.
    private void ShowProblem(DisconnectInfo? disconnect)
    {
        if (disconnect is null)
        {
            return;
        }

        var problem = ConnectionProblems.Describe(disconnect, _options.Url).Text;
        if (problem != _lastProblem)
        {
            _lastProblem = problem;
            _view.Show(new ChatLine(LineKind.Problem, "! " + problem));
        }
    }

    private ChatStatus Status()
    {
        lock (_statusGate)
        {
            return _status = _status with { Pending = _connection.PendingCount, AwaitingAck = _connection.UnacknowledgedCount };
        }
    }

    private void PushStatus() => _view.ShowStatus(Status());

    private static string WhyNotDelivered(Exception? exception) => exception switch
    {
        MessageDeliveryException { Reason: DeliveryFailureReason.Rejected, Rejection: { CloseStatus: { } status } } =>
            $"the server closed the connection with {(int)status} after it{(status == System.Net.WebSockets.WebSocketCloseStatus.MessageTooBig ? " (too big for the server)" : string.Empty)}",
        MessageDeliveryException { Reason: DeliveryFailureReason.Rejected, Rejection: { } rejection } =>
            $"the server refused it{(rejection.Code is null && rejection.Message is null ? string.Empty : $": {rejection.Code} {rejection.Message}".TrimEnd())}",
        MessageDeliveryException { Reason: DeliveryFailureReason.ConnectionClosed } => "the connection closed",
        MessageDeliveryException { Reason: DeliveryFailureReason.Expired } => "it expired",
        MessageDeliveryException { Reason: DeliveryFailureReason.Cancelled } => "cancelled",
        MessageDeliveryException { Reason: DeliveryFailureReason.AckTimeout } => "no acknowledgement in time",
        MessageDeliveryException { Reason: DeliveryFailureReason.Interrupted } => "the connection dropped while it was being written (it may or may not have arrived)",
        MessageDeliveryException { Reason: DeliveryFailureReason.TooLarge } => "too large to send",
        MessageDeliveryException { Reason: DeliveryFailureReason.Dropped or DeliveryFailureReason.QueueFull } => "the queue was full",
        MessageDeliveryException { Reason: DeliveryFailureReason.OutboxFailed } => "it could not be saved to the outbox: " + exception.InnerException?.Message,
        OperationCanceledException => "cancelled",
        null => "unknown",
        _ => exception.Message,
    };

    private void Subscribe()
    {
        _subscriptions.Add(_connection.StateChanges.Subscribe(OnStateChange));
        _subscriptions.Add(_connection.RecoveredDeliveries.Subscribe(OnRecovered));
        _subscriptions.Add(_connection.On<ChatMessage>("message")
            .Subscribe(m => _view.Show(new ChatLine(LineKind.Chat, m.Text, m.Sender.Username))));
        _subscriptions.Add(_connection.On<Presence>("user_online")
            .Subscribe(p => _view.Show(new ChatLine(LineKind.Presence, $"* {p.User.Username} is online ({p.OnlineCount} online)"))));
        _subscriptions.Add(_connection.On<Presence>("user_offline")
            .Subscribe(p => _view.Show(new ChatLine(LineKind.Presence, $"* {p.User.Username} went offline ({p.OnlineCount} online)"))));
        _subscriptions.Add(_connection.Envelopes.Subscribe(e =>
        {
            // A refused line (an error repeating the line's id) is shown with its line, as failed; this shows the others.
            if (e.Type is "error" or "kicked" or "auth_failed" && !(e.Type == "error" && e.Id is not null))
            {
                e.TryGetValue("code", out var code);
                e.TryGetValue("message", out var message);
                _view.Show(new ChatLine(LineKind.Problem, e.Type switch
                {
                    "auth_failed" => $"! the server refused the token ({code}: {message})",
                    "kicked" => $"! server kicked {code}: {message}",
                    _ => $"! the server answered with an error {code}: {message}",
                }));
                if (e.Type is not "error")
                {
                    _fatalShown.TrySetResult();
                }
            }
        }));
    }
}
