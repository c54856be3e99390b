// Side-by-side loopback harness: the library and a bare ClientWebSocket against the same echo server, which runs
// as a separate process on 127.0.0.1. See README.md next to this file.
//
//   dotnet run -c Release --project benchmarks/LoopbackHarness -- --quick
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LoopbackHarness;
using LoopbackHarness.Clients;
using LoopbackHarness.Measurements;

var options = HarnessOptions.Parse(args);
if (options is null)
{
    return 2;
}

var sides = new List<ClientSide>
{
    new(Sides.Bare, request => new BareClient(request)),
    new(Sides.Library, request => new LibraryClient(request)),
};
bool libraryWired = sides.Exists(s => s.Name == Sides.Library);

var wall = Stopwatch.StartNew();
string loadBefore = LoadAverage();
using var run = new CancellationTokenSource(options.Deadline);
int interrupts = 0;
void OnStopSignal(PosixSignalContext signal)
{
    // First Ctrl+C or SIGTERM: stop measuring, kill the server (finally below), print what was measured.
    // A second one ends the process at once; ProcessExit still kills the server.
    signal.Cancel = Interlocked.Increment(ref interrupts) == 1;
    run.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal);

var metrics = new Metrics(options);
var results = new Results();
results.Declare(metrics.All);
var failures = new List<string>();
bool cancelled = false;

Console.Error.WriteLine($"loopback harness: {(options.Quick ? "quick" : "full")} run, sides: {string.Join(", ", sides)}");
var server = await EchoServerProcess.StartAsync(options.ServerDll, 0, run.Token);
var ctx = new BenchContext
{
    Options = options,
    Server = server,
    Sides = sides,
    Results = results,
    Metrics = metrics,
    Cancellation = run.Token,
};
ctx.Progress($"echo server listening on {ctx.Server.Uri}");
try
{
    (string Name, Func<BenchContext, Task> Run)[] steps =
    [
        ("throughput / round trip / allocations", EchoMeasurements.RunAsync),
        ("idle memory", IdleMemory.RunAsync),
        ("typed receive", TypedReceive.RunAsync),
        ("reconnect", Reconnect.RunAsync),   // last: it kills and restarts the server
    ];
    foreach (var (name, step) in steps)
    {
        try
        {
            await step(ctx);
        }
        catch (Exception e) when (!run.IsCancellationRequested)
        {
            failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
            ctx.Progress($"FAILED {name}: {e}");
        }
    }
}
catch (OperationCanceledException) when (run.IsCancellationRequested)
{
    cancelled = true;
}
catch (Exception) when (run.IsCancellationRequested)
{
    cancelled = true;
}
finally
{
    await ctx.Server.DisposeAsync();
}

string connections = options.IdleConnections == 1_000 ? "1,000 idle connections" : $"{options.IdleConnections:#,0} idle connections instead of 1,000";
string mode = string.Create(CultureInfo.InvariantCulture,
    $"{(options.Quick ? "quick" : "full")} ({options.Rounds} rounds of {options.Messages64:#,0} × 64 B, {options.Messages4K:#,0} × 4 KiB, " +
    $"{options.RttSamplesPerRound:#,0} round trips, {options.Ticks:#,0} ticks; {connections})");
results.Footnotes.Insert(0, string.Create(CultureInfo.InvariantCulture,
    $"Mode: {mode}. Figures are medians of interleaved rounds. {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, " +
    $"{Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, " +
    $"load average {loadBefore} before and {LoadAverage()} after. Wall time {wall.Elapsed.TotalSeconds:0.0} s."));
if (!libraryWired)
{
    results.Footnotes.Add("The library column is pending: only the bare ClientWebSocket side is wired in so far.");
}

foreach (var failure in failures)
{
    results.Footnotes.Add("FAILED " + failure);
}

if (cancelled)
{
    results.Footnotes.Add("CANCELLED before the end (Ctrl+C or the run's deadline).");
}

string table = results.ToMarkdown(libraryWired);
Console.Out.Write(table);
if (options.OutputPath is { } path)
{
    await File.WriteAllTextAsync(path, table);
}

// Exit code: 0 when every measurement ran (targets missed are reported, not failed), 1 otherwise.
return failures.Count == 0 && !cancelled ? 0 : 1;

// 1-minute load average (Linux), so a busy machine shows next to the figures.
static string LoadAverage()
{
    try
    {
        return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
    }
    catch (IOException)
    {
        return "n/a";
    }
}
