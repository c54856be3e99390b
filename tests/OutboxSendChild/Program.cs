// The child process of the durable outbox's crash tests: the library (RealtimeConnection with a SqliteOutboxStore) sending
// durable messages to ws://127.0.0.1:PORT/ws, which may be down.
//
//   OutboxSendChild PORT STORE [--count N] [--writers W] [--max-in-flight M] [--block before-commit|after-commit --at K]
//
// It starts the connection, then W senders each send N durable messages "w{writer}-{n:D5}" with EnqueueAsync, one after
// the other. With --block, the store's writer loop stops at its K-th transaction, just before (after) its COMMIT, and
// stays there until the process is killed. A line "stop" (or the end of stdin) disposes the connection and exits.
// Lines printed (each one written whole, at once):
//   started                                the connection is started
//   accepted TEXT ID                       EnqueueAsync returned: the message is on disk and queued
//   all-accepted                           every sender is done
//   delivered TEXT ID | failed TEXT ID REASON              the outcome of a message sent by this process
//   recovered delivered TEXT ID | recovered failed TEXT ID REASON   the outcome of one held from an earlier run
//   before-commit ID ... | after-commit ID ...             the ids in the transaction the writer loop is held at
//   error KIND MESSAGE                     something on the connection's Errors stream
//   closed                                 disposed after "stop"
using System.Globalization;
using System.Text.Json;
using RealtimeClient;
using RealtimeClient.Outbox.Sqlite;

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var storePath = args[1];
var count = 0;
var writers = 1;
var maxInFlight = 1000;
string? block = null;
var blockAt = 0;
for (var i = 2; i < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--count": count = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--writers": writers = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--max-in-flight": maxInFlight = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--block": block = args[i + 1]; break;
        case "--at": blockAt = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 64;
    }
}

var store = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = storePath });
if (block is not null)
{
    var commits = 0;
    Action<IReadOnlyList<RealtimeClient.Outbox.Sqlite.Internal.PendingWrite>> hold = writes =>
    {
        if (++commits == blockAt)
        {
            Console.WriteLine($"{block} {string.Join(' ', writes.Select(w => w.Id))}");
            Thread.Sleep(Timeout.Infinite); // frozen at this point of the commit until the test kills the process
        }
    };
    if (block == "before-commit")
    {
        store.Hooks.BeforeCommit = hold;
    }
    else
    {
        store.Hooks.AfterCommit = hold;
    }
}

var connection = new RealtimeConnection(new RealtimeOptions
{
    Uri = new Uri($"ws://127.0.0.1:{port}/ws"),
    Outbox = store,
    Reconnect = new ReconnectOptions
    {
        InitialDelay = TimeSpan.FromMilliseconds(50),
        MaxDelay = TimeSpan.FromMilliseconds(250),
        RetryWhenNetworkReturns = false,
    },
    Acknowledgements = new AcknowledgementOptions { MaxInFlight = maxInFlight },
});

connection.RecoveredDeliveries.Subscribe(new Observer<RealtimeClient.Outbox.DeliveryReport>(report =>
{
    // The text, decoded from the bytes the outbox kept (the id alone would not say what the message was).
    var text = JsonDocument.Parse(report.Entry.Payload).RootElement.GetProperty("data").GetProperty("text").GetString();
    Console.WriteLine(report.Delivered
        ? $"recovered delivered {text} {report.MessageId}"
        : $"recovered failed {text} {report.MessageId} {report.Failure!.Reason}");
}));
connection.Errors.Subscribe(new Observer<RealtimeError>(error => Console.WriteLine($"error {error.Kind} {error.Message}")));

connection.Start();
Console.WriteLine("started");

var senders = new Task[writers];
for (var w = 0; w < writers; w++)
{
    var writer = w;
    senders[w] = Task.Run(async () =>
    {
        for (var n = 0; n < count; n++)
        {
            var text = $"w{writer}-{n:D5}";
            var delivery = await connection.EnqueueAsync("message", new Line(text), SendOptions.Durable);
            Console.WriteLine($"accepted {text} {delivery.MessageId}");
            _ = delivery.Outcome.ContinueWith(
                t => Console.WriteLine(t.IsCompletedSuccessfully
                    ? $"delivered {text} {delivery.MessageId}"
                    : $"failed {text} {delivery.MessageId} {(t.Exception?.InnerException as MessageDeliveryException)?.Reason}"),
                TaskScheduler.Default);
        }
    });
}

await Task.WhenAll(senders);
Console.WriteLine("all-accepted");

while (await Console.In.ReadLineAsync() is { } line && line != "stop")
{
}

await connection.DisposeAsync();
Console.WriteLine("closed");
return 0;

internal sealed record Line(string Text);

internal sealed class Observer<T>(Action<T> onNext) : IObserver<T>
{
    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void OnNext(T value) => onNext(value);
}
