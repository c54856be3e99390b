// Durable append throughput of the SQLite outbox store: 64 B messages, 1 writer awaiting each append, then 16 and 64
// concurrent writers (group commit), at synchronous FULL and NORMAL; "append + complete" adds the completion every
// durable message also costs once it is acknowledged. Each cell runs in a fresh store file; rounds are interleaved and
// the median is reported. Markdown to stdout, progress to stderr.
//
//   dotnet run -c Release --project benchmarks/OutboxThroughput                 (3 rounds of 2 s per cell, ~2 min)
//   dotnet run -c Release --project benchmarks/OutboxThroughput -- --quick      (1 round of 0.3 s: proves it runs)
//   options: --seconds S  --rounds R  --dir FOLDER (default: the system temp folder; put it on the disk to measure)
//
//   dotnet run -c Release --project benchmarks/OutboxThroughput -- --end-to-end
//       acknowledged throughput through the library and a real socket instead: in memory next to durable (FULL, NORMAL),
//       1, 16 and 64 senders each awaiting every ack, a Kestrel server in this process acking each id (EndToEnd.cs)
using System.Diagnostics;
using System.Globalization;
using RealtimeClient;
using RealtimeClient.Outbox;
using RealtimeClient.Outbox.Sqlite;

var seconds = 2.0;
var rounds = 3;
var root = Path.GetTempPath();
var endToEnd = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick":
            seconds = 0.3;
            rounds = 1;
            break;
        case "--seconds":
            seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--rounds":
            rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--dir":
            root = args[++i];
            break;
        case "--end-to-end":
            endToEnd = true;
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

if (endToEnd)
{
    return await EndToEnd.RunAsync(seconds, rounds, root);
}

var folder = Path.Combine(root, "outbox-throughput-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(folder);
var cells = (from synchronous in new[] { SqliteSynchronous.Full, SqliteSynchronous.Normal }
             from complete in new[] { false, true }
             from writers in new[] { 1, 16, 64 }
             select (synchronous, complete, writers)).ToArray();
var results = cells.ToDictionary(c => c, _ => new List<(double Messages, double Commits)>());
try
{
    for (var round = 1; round <= rounds; round++)
    {
        foreach (var cell in cells)
        {
            var result = await RunAsync(Path.Combine(folder, $"r{round}-{cell.synchronous}-{cell.complete}-{cell.writers}.db"), cell.synchronous, cell.complete, cell.writers, TimeSpan.FromSeconds(seconds));
            results[cell].Add(result);
            Console.Error.WriteLine($"round {round}: {cell.synchronous} {(cell.complete ? "append+complete" : "append")} x{cell.writers}: {result.Messages:N0} msg/s, {result.Commits:N0} commits/s");
        }
    }
}
finally
{
    Directory.Delete(folder, recursive: true);
}

Console.WriteLine($"Durable outbox throughput, 64 B messages, {Environment.ProcessorCount} cores, {rounds} round(s) of {seconds.ToString(CultureInfo.InvariantCulture)} s per cell, median (folder: {root})");
Console.WriteLine();
Console.WriteLine("| synchronous | per message | writers | messages/s | commits/s | messages/commit |");
Console.WriteLine("|---|---|---:|---:|---:|---:|");
foreach (var cell in cells)
{
    var messages = Median(results[cell].Select(r => r.Messages));
    var commits = Median(results[cell].Select(r => r.Commits));
    Console.WriteLine($"| {cell.synchronous} | {(cell.complete ? "append + complete" : "append")} | {cell.writers} | {messages:N0} | {commits:N0} | {messages / commits:N1} |");
}

return 0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted[sorted.Length / 2];
}

static async Task<(double Messages, double Commits)> RunAsync(string path, SqliteSynchronous synchronous, bool complete, int writers, TimeSpan duration)
{
    await using var store = new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = path, Synchronous = synchronous });
    await store.OpenAsync(CancellationToken.None);
    var payload = new byte[64];
    Random.Shared.NextBytes(payload);
    long messages = 0;

    await RunWritersAsync(TimeSpan.FromSeconds(Math.Min(0.5, duration.TotalSeconds)), warmUp: true); // JIT, file growth
    messages = 0;
    var commitsBefore = store.CommitCount;
    var clock = Stopwatch.StartNew();
    await RunWritersAsync(duration, warmUp: false);
    var elapsed = clock.Elapsed.TotalSeconds;
    return (messages / elapsed, (store.CommitCount - commitsBefore) / elapsed);

    Task RunWritersAsync(TimeSpan length, bool warmUp) => Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
    {
        var started = Stopwatch.GetTimestamp();
        for (var n = 0; Stopwatch.GetElapsedTime(started) < length; n++)
        {
            var id = $"{(warmUp ? "warm" : "run")}-{w}-{n}";
            await store.AppendAsync(new OutboxEntry(id, MessageKind.Text, payload, DateTimeOffset.UtcNow), CancellationToken.None);
            if (complete)
            {
                await store.CompleteAsync(id, OutboxOutcome.Acknowledged, CancellationToken.None);
            }

            Interlocked.Increment(ref messages);
        }
    })));
}
