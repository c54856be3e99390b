using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RealtimeClient;
using RealtimeClient.Outbox.Sqlite;

/// <summary>
/// <c>--end-to-end</c>: acknowledged throughput through the whole library and a real socket, durable next to in memory.
/// A Kestrel server on 127.0.0.1 (in this process) acknowledges every message by its id; a <see cref="RealtimeConnection"/>
/// sends 64 B text envelopes with <see cref="SendOptions.Acknowledged"/> (in memory) or <see cref="SendOptions.Durable"/>
/// (a <see cref="SqliteOutboxStore"/> at FULL or NORMAL), W senders each awaiting every message's acknowledgement (for a
/// durable message: appended, written, acknowledged, and its completion recorded). Messages/s over the run; cells
/// interleaved over rounds, medians reported.
/// </summary>
internal static class EndToEnd
{
    private static readonly string[] Modes = ["acknowledged (in memory)", "durable, FULL", "durable, NORMAL"];

    public static async Task<int> RunAsync(double seconds, int rounds, string root)
    {
        var folder = Path.Combine(root, "outbox-e2e-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        await using var server = await AckServer.StartAsync();
        var cells = (from writers in new[] { 1, 16, 64 } from mode in Modes select (mode, writers)).ToArray();
        var results = cells.ToDictionary(c => c, _ => new List<double>());
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var cell in cells)
                {
                    var store = cell.mode switch
                    {
                        "durable, FULL" => new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = Path.Combine(folder, $"r{round}-full-{cell.writers}.db"), Synchronous = SqliteSynchronous.Full }),
                        "durable, NORMAL" => new SqliteOutboxStore(new SqliteOutboxOptions { FilePath = Path.Combine(folder, $"r{round}-normal-{cell.writers}.db"), Synchronous = SqliteSynchronous.Normal }),
                        _ => null,
                    };
                    var rate = await MeasureAsync(server.Uri, store, cell.writers, TimeSpan.FromSeconds(seconds));
                    results[cell].Add(rate);
                    Console.Error.WriteLine($"round {round}: {cell.mode} x{cell.writers}: {rate:N0} msg/s");
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Console.WriteLine($"Acknowledged throughput end to end (RealtimeConnection → 127.0.0.1 socket → a Kestrel server that acks each id), 64 B messages, {Environment.ProcessorCount} cores, {rounds} round(s) of {seconds.ToString(CultureInfo.InvariantCulture)} s per cell, median (folder: {root})");
        Console.WriteLine();
        Console.WriteLine("| senders (each awaits its ack) | mode | messages/s | range over rounds | vs in memory |");
        Console.WriteLine("|---:|---|---:|---:|---:|");
        foreach (var cell in cells)
        {
            var median = Median(results[cell]);
            var inMemory = Median(results[(Modes[0], cell.writers)]);
            Console.WriteLine($"| {cell.writers} | {cell.mode} | {median:N0} | {results[cell].Min():N0} – {results[cell].Max():N0} | {median / inMemory:P0} |");
        }

        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static async Task<double> MeasureAsync(Uri uri, SqliteOutboxStore? store, int writers, TimeSpan duration)
    {
        var options = new RealtimeOptions
        {
            Uri = uri,
            Outbox = store,
            Reconnect = new ReconnectOptions { RetryWhenNetworkReturns = false },
        };
        await using var connection = new RealtimeConnection(options);
        await connection.StartAsync();
        var send = store is null ? SendOptions.Acknowledged : SendOptions.Durable;
        long messages = 0;

        await RunSendersAsync(TimeSpan.FromSeconds(Math.Min(0.5, duration.TotalSeconds)), "warm"); // JIT, file growth
        messages = 0;
        var clock = Stopwatch.StartNew();
        await RunSendersAsync(duration, "run");
        return messages / clock.Elapsed.TotalSeconds;

        Task RunSendersAsync(TimeSpan length, string phase) => Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var started = Stopwatch.GetTimestamp();
            for (var n = 0; Stopwatch.GetElapsedTime(started) < length; n++)
            {
                await connection.SendTextAsync(Message($"{phase}{w:D2}-{n:D7}"), send);
                Interlocked.Increment(ref messages);
            }
        })));
    }

    /// <summary>A 64-byte text envelope carrying its own id: <c>{"type":"m","id":"…","data":"xx…"}</c>.</summary>
    private static string Message(string id)
    {
        var head = $"{{\"type\":\"m\",\"id\":\"{id}\",\"data\":\"";
        return head + new string('x', 64 - head.Length - 2) + "\"}";
    }

    /// <summary>Kestrel on a free 127.0.0.1 port: <c>/ws</c> answers every message that has an id with <c>{"type":"ack","id":…}</c>.</summary>
    private sealed class AckServer : IAsyncDisposable
    {
        private static readonly byte[] IdKey = Encoding.UTF8.GetBytes("\"id\":\"");
        private readonly WebApplication _app;

        private AckServer(WebApplication app, Uri uri)
        {
            _app = app;
            Uri = uri;
        }

        public Uri Uri { get; }

        public static async Task<AckServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
            builder.Logging.ClearProviders();
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
            builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
            app.Run(HandleAsync);
            await app.StartAsync();
            var address = app.Urls.Single();
            return new AckServer(app, new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/ws"));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private static async Task HandleAsync(HttpContext context)
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[16 * 1024];
            var ack = new byte[256];
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                        return;
                    }

                    // The id of a whole small message: the bytes between "id":" and the next quote.
                    var message = buffer.AsSpan(0, result.Count);
                    var at = message.IndexOf(IdKey);
                    if (!result.EndOfMessage || at < 0)
                    {
                        continue;
                    }

                    var id = message[(at + IdKey.Length)..];
                    id = id[..id.IndexOf((byte)'"')];
                    var length = Encoding.UTF8.GetBytes("{\"type\":\"ack\",\"id\":\"", ack);
                    id.CopyTo(ack.AsSpan(length));
                    length += id.Length;
                    ack[length++] = (byte)'"';
                    ack[length++] = (byte)'}';
                    await socket.SendAsync(ack.AsMemory(0, length), WebSocketMessageType.Text, true, context.RequestAborted);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
                // The connection was disposed.
            }
        }
    }
}
