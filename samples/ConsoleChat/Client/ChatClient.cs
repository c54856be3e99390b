using System.Collections.Concurrent;
using RealtimeClient;

namespace ConsoleChat.Client;

/// <summary>
/// The sample chat client: authenticates on every connect, shows state changes, chat and presence, and sends every line
/// with acknowledged delivery so it can say when a line typed while offline was delivered.
/// </summary>
internal static class ChatClient
{
    public const int ExitOk = 0;
    public const int ExitUndelivered = 2;
    public const int ExitKicked = 3;
    public const int ExitAuthFailed = 4;
    public const int ExitClosed = 5;

    public static async Task<int> RunAsync(ChatClientOptions options, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        var print = new Printer(output);
        var closed = new TaskCompletionSource<StateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fatalShown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var connection = new RealtimeConnection(BuildOptions(options, print));
        using var states = connection.StateChanges.Subscribe(change =>
        {
            if (change.Current != ConnectionState.Disconnected)
            {
                print.Line(Describe(change));
            }
            if (change.Current == ConnectionState.Closed)
            {
                closed.TrySetResult(change);
            }
        });
        using var chat = connection.On("message", ChatJson.Default.ChatMessage)
            .Subscribe(m => print.Line($"{m.Sender.Username}: {m.Text}"));
        using var online = connection.On("user_online", ChatJson.Default.Presence)
            .Subscribe(p => print.Line($"* {p.User.Username} is online ({p.OnlineCount} online)"));
        using var offline = connection.On("user_offline", ChatJson.Default.Presence)
            .Subscribe(p => print.Line($"* {p.User.Username} went offline ({p.OnlineCount} online)"));
        using var frames = connection.Envelopes.Subscribe(e =>
        {
            if (e.Type is "error" or "kicked" or "auth_failed")
            {
                var frame = e.Deserialize(ChatJson.Default.ServerFrame);
                print.Line($"! server {e.Type} {frame?.Code}: {frame?.Message}");
                if (e.Type is not "error")
                {
                    fatalShown.TrySetResult();
                }
            }
        });

        connection.Start();
        var pending = new ConcurrentDictionary<int, (string Text, Task Delivery)>();
        var lineNumber = 0;
        var readLines = Task.Run(async () =>
        {
            while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Trim() == "/quit")
                {
                    return true;
                }

                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                var number = ++lineNumber;
                var queued = connection.State != ConnectionState.Connected;
                var delivery = connection.SendAsync("message", new ChatText(line), ChatJson.Default.ChatText, SendOptions.Acknowledged, cancellationToken).AsTask();
                pending[number] = (line, delivery);
                if (queued)
                {
                    print.Line($"… line {number} pending (offline): {line}");
                }

                _ = delivery.ContinueWith(t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        pending.TryRemove(number, out _);
                        if (queued)
                        {
                            print.Line($"✓ line {number} delivered");
                        }
                    }
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return false;
        }, cancellationToken);

        var finished = await Task.WhenAny(readLines, closed.Task).ConfigureAwait(false);
        if (finished == closed.Task)
        {
            await ShowFatalMessageAsync(closed.Task.Result, fatalShown.Task).ConfigureAwait(false);
            return ExitCodeFor(closed.Task.Result, print);
        }

        var quit = await readLines.ConfigureAwait(false);
        if (!quit && !options.Interactive)
        {
            // End of piped input: wait until every line is acknowledged, bounded by the drain timeout.
            var deliveries = Task.WhenAll(pending.Values.Select(p => p.Delivery));
            try
            {
                await deliveries.WaitAsync(options.DrainTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or MessageDeliveryException)
            {
                // Reported line by line below.
            }

            if (closed.Task.IsCompleted)
            {
                await ShowFatalMessageAsync(closed.Task.Result, fatalShown.Task).ConfigureAwait(false);
                return ExitCodeFor(closed.Task.Result, print);
            }

            var undelivered = pending.Where(p => !p.Value.Delivery.IsCompletedSuccessfully).OrderBy(p => p.Key).ToList();
            foreach (var (number, (text, delivery)) in undelivered)
            {
                var why = delivery.Exception?.InnerException?.Message ?? "no acknowledgement within the drain timeout";
                print.Line($"✗ line {number} not delivered ({why}): {text}");
            }

            if (undelivered.Count > 0)
            {
                return ExitUndelivered;
            }
        }

        await connection.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return ExitOk;
    }

    // The fatal frame reaches the Envelopes observer through the dispatcher, which can lag behind the Closed state
    // change: give it a moment to print the server's reason before the subscriptions are disposed.
    private static async Task ShowFatalMessageAsync(StateChange closed, Task shown)
    {
        if (closed.CloseReason == CloseReason.FatalMessage)
        {
            try
            {
                await shown.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private static int ExitCodeFor(StateChange closed, Printer print)
    {
        print.Line($"connection closed: {closed.CloseReason} {closed.Disconnect}");
        return closed.CloseReason switch
        {
            CloseReason.FatalMessage when closed.Disconnect?.MessageType == "kicked" => ExitKicked,
            CloseReason.FatalCloseStatus when (int?)closed.Disconnect?.CloseStatus == 4009 => ExitKicked,
            CloseReason.FatalMessage or CloseReason.OnConnectedFatal or CloseReason.AuthenticationFailed => ExitAuthFailed,
            CloseReason.FatalCloseStatus when (int?)closed.Disconnect?.CloseStatus == 4001 => ExitAuthFailed,
            _ => ExitClosed,
        };
    }

    private static RealtimeOptions BuildOptions(ChatClientOptions options, Printer print) => new()
    {
        Uri = options.Url,
        Heartbeat = new HeartbeatOptions
        {
            Interval = options.HeartbeatInterval,
            Timeout = options.HeartbeatTimeout,
            Message = "{\"type\":\"heartbeat\"}",
        },
        Reconnect = new ReconnectOptions
        {
            InitialDelay = options.ReconnectMin,
            MaxDelay = options.ReconnectMax,
            FatalCloseStatuses = new HashSet<int> { 4001, 4009 },
        },
        FatalMessageTypes = new HashSet<string>(StringComparer.Ordinal) { "kicked", "auth_failed" },
        Acknowledgements = new AcknowledgementOptions { InboundIdPath = "data.id" },
        OnConnected = async (ctx, ct) =>
        {
            // PROTOCOL.md: authenticate on every connect, before anything queued goes out.
            var reply = ctx.WaitForTypeAsync(["auth_success", "auth_failed"], ct);
            await ctx.SendAsync(AuthFrame(options.Token), ct).ConfigureAwait(false);
            var (type, _) = await reply.ConfigureAwait(false);
            if (type == "auth_failed")
            {
                throw new FatalConnectionException("The server rejected the token (auth_failed).");
            }

            print.Line(ctx.IsReconnect ? "authenticated again" : $"authenticated as {options.Token}");
        },
    };

    private static string AuthFrame(string token) =>
        "{\"type\":\"auth\",\"data\":" + System.Text.Json.JsonSerializer.Serialize(new AuthRequest(token), ChatJson.Default.AuthRequest) + "}";

    private static string Describe(StateChange change) => change.Current switch
    {
        ConnectionState.Connecting => "connecting…",
        ConnectionState.Connected => "connected",
        ConnectionState.Reconnecting => $"reconnecting: attempt {change.Attempt}" + (change.RetryDelay is { } d ? $" in {d.TotalSeconds:0.0} s" : string.Empty)
            + (change.Disconnect is { } why ? $" ({why})" : string.Empty),
        ConnectionState.Closed => $"closed: {change.CloseReason}",
        _ => change.Current.ToString(),
    };

    private sealed class Printer(TextWriter output)
    {
        private readonly object _gate = new();

        public void Line(string text)
        {
            lock (_gate)
            {
                output.WriteLine(text);
                output.Flush();
            }
        }
    }
}
