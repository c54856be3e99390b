// The child process of the outbox store's crash and lock tests. Commands (one line of output per event, flushed):
//   append PATH full|normal WRITERS [before-commit|after-commit N]
//       opens the store, prints "opened", then WRITERS tasks append "w{writer}-{n:D6}" in a loop (at most 100,000
//       each), printing each id only after its AppendAsync returned. With before-commit N (after-commit N) the writer
//       loop prints "before-commit ID ID ..." ("after-commit ID ...", the ids in that transaction) at its N-th
//       transaction, just before (after) its COMMIT, and blocks there until killed.
//   hold PATH    opens the store, prints "opened", waits for a line (or the end) on stdin, closes, prints "closed".
//   open PATH    tries to open the store and prints "opened" or "failed REASON".
using RealtimeClient;
using RealtimeClient.Outbox;
using RealtimeClient.Outbox.Sqlite;
using RealtimeClient.Outbox.Sqlite.Internal;

const int MaxPerWriter = 100_000;
var command = args[0];
var path = args[1];

if (command == "open")
{
    await using var store = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = path });
    try
    {
        await store.OpenAsync(CancellationToken.None);
        Console.WriteLine("opened");
    }
    catch (OutboxStoreException exception)
    {
        Console.WriteLine($"failed {exception.Reason}");
    }

    return 0;
}

if (command == "hold")
{
    var store = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = path });
    await store.OpenAsync(CancellationToken.None);
    Console.WriteLine("opened");
    await Console.In.ReadLineAsync();
    await store.DisposeAsync();
    Console.WriteLine("closed");
    return 0;
}

if (command != "append")
{
    Console.Error.WriteLine($"unknown command {command}");
    return 2;
}

var synchronous = args[2] == "normal" ? SqliteSynchronous.Normal : SqliteSynchronous.Full;
var writers = int.Parse(args[3]);
var appender = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = path, Synchronous = synchronous });
if (args.Length >= 6)
{
    var blockAt = int.Parse(args[5]);
    var commits = 0;
    Action<IReadOnlyList<PendingWrite>> block = writes =>
    {
        if (++commits == blockAt)
        {
            Console.WriteLine($"{args[4]} {string.Join(' ', writes.Select(w => w.Id))}");
            Thread.Sleep(Timeout.Infinite); // frozen at this point of the commit until the test kills the process
        }
    };
    if (args[4] == "before-commit")
    {
        appender.Hooks.BeforeCommit = block;
    }
    else
    {
        appender.Hooks.AfterCommit = block;
    }
}

await appender.OpenAsync(CancellationToken.None);
Console.WriteLine("opened");
var payload = new byte[64];
var tasks = new Task[writers];
for (var w = 0; w < writers; w++)
{
    var writer = w;
    tasks[w] = Task.Run(async () =>
    {
        for (var n = 0; n < MaxPerWriter; n++)
        {
            var id = $"w{writer}-{n:D6}";
            await appender.AppendAsync(new OutboxEntry(id, MessageKind.Text, payload, DateTimeOffset.UtcNow), CancellationToken.None);
            Console.WriteLine(id);
        }
    });
}

await Task.WhenAll(tasks);
await appender.DisposeAsync();
return 0;
