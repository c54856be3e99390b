// Side-by-side loopback harness: a bare ClientWebSocket, the library and Websocket.Client against the same echo server,
// which runs as a separate process on 127.0.0.1. See README.md next to this file.
//
//   dotnet run -c Release --project benchmarks/LoopbackHarness -- --quick
//   dotnet run -c Release --project benchmarks/LoopbackHarness -- --repeat 3 --out full.md   (full.png beside it)
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
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
    new(Sides.Peer, request => new WebsocketClientPeer(request), hasReconnectRows: false),
};

var wall = Stopwatch.StartNew();
string loadBefore = LoadAverage();
using var run = new CancellationTokenSource(options.Deadline * options.Repeat);
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
var runs = new List<Results>();
var failures = new List<string>();
bool cancelled = false;

Console.Error.WriteLine(
    $"loopback harness: {(options.Quick ? "quick" : "full")} run × {options.Repeat}, sides: {string.Join(", ", sides)}");
var server = await EchoServerProcess.StartAsync(options.ServerDll, 0, run.Token);
string descriptors = string.Create(CultureInfo.InvariantCulture,
    $"open-file limit {FileDescriptors.Limit(Environment.ProcessId)?.ToString("#,0", CultureInfo.InvariantCulture) ?? "n/a"} here and " +
    $"{FileDescriptors.Limit(server.ProcessId)?.ToString("#,0", CultureInfo.InvariantCulture) ?? "n/a"} in the echo server " +
    $"(the scale row needs {options.ScaleIdleConnections + FileDescriptors.Margin:#,0} in each)");
var ctx = new BenchContext
{
    Options = options,
    Server = server,
    Sides = sides,
    Results = new Results(),
    Metrics = metrics,
    Cancellation = run.Token,
};
ctx.Progress($"echo server listening on {ctx.Server.Uri}; {descriptors}");
try
{
    (string Key, string Name, Func<BenchContext, Task> Run)[] allSteps =
    [
        ("echo", "throughput / round trip / allocations", EchoMeasurements.RunAsync),
        ("idle", "idle memory", IdleMemory.RunAsync),
        ("scale", "scale: idle connections", IdleMemory.RunScaleAsync),
        ("stream", "scale: streaming connections", StreamCpu.RunAsync),
        ("typed", "typed receive", TypedReceive.RunAsync),
        ("reconnect", "reconnect", Reconnect.RunAsync),   // last: it kills and restarts the server
    ];
    var steps = allSteps.Where(s => options.Only is null || options.Only.Contains(s.Key)).Select(s => (s.Name, s.Run)).ToArray();
    for (int r = 0; r < options.Repeat; r++)
    {
        ctx.Run = r;
        ctx.Results = new Results();
        runs.Add(ctx.Results);
        var runWall = Stopwatch.StartNew();
        string runLoad = LoadAverage();
        ctx.Progress($"run {r + 1} of {options.Repeat}");
        if (ctx.Server.HasExited)
        {
            // A reconnect run that failed between killing the server and starting the new one.
            await ctx.Server.DisposeAsync();
            ctx.Server = await EchoServerProcess.StartAsync(options.ServerDll, 0, run.Token);
        }
        foreach (var (name, step) in steps)
        {
            try
            {
                await step(ctx);
            }
            catch (Exception e) when (!run.IsCancellationRequested)
            {
                failures.Add($"run {r + 1}, {name}: {e.GetType().Name}: {e.Message}");
                ctx.Progress($"FAILED {name}: {e}");
            }
        }

        ctx.Results.Footnotes.Insert(0, string.Create(CultureInfo.InvariantCulture,
            $"Run {r + 1}: load average {runLoad} before, {LoadAverage()} after; {runWall.Elapsed.TotalSeconds:0} s."));
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

string mode = string.Create(CultureInfo.InvariantCulture,
    $"{(options.Quick ? "quick" : "full")}, {options.Repeat} run{(options.Repeat == 1 ? "" : "s")}" +
    $"{(options.Only is null ? "" : ", only " + string.Join(", ", options.Only.Order()))} " +
    $"({options.Rounds} rounds of {options.Messages64:#,0} × 64 B, {options.Messages4K:#,0} × 4 KiB, " +
    $"{options.RttSamplesPerRound:#,0} round trips, {options.Ticks:#,0} ticks; {options.IdleConnections:#,0} and " +
    $"{options.ScaleIdleConnections:#,0} idle connections; {options.StreamConnections:#,0} × {options.StreamRate} msg/s of " +
    $"{options.StreamMessageSize} B for {options.StreamDuration.TotalSeconds:0} s)");
var footnotes = new List<string>
{
    string.Create(CultureInfo.InvariantCulture,
        $"Mode: {mode}. Each figure is the median of interleaved rounds (memory and streaming: one side after the other, " +
        $"the order rotating each run); with several runs, the median over the runs, and each ratio is " +
        $"min / median / max of the runs' ratios against the bare client of the same run. " +
        $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, " +
        $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, {descriptors}. " +
        $"Load average {loadBefore} before and {LoadAverage()} after. Wall time {wall.Elapsed.TotalSeconds:0.0} s."),
};
footnotes.AddRange(runs.SelectMany(r => r.Footnotes));
footnotes.AddRange(failures.Select(f => "FAILED " + f));
if (cancelled)
{
    footnotes.Add("CANCELLED before the end (Ctrl+C or the run's deadline).");
}

var text = new StringBuilder(Report.ToMarkdown(metrics.All, runs));
foreach (var footnote in footnotes)
{
    text.AppendLine().AppendLine(footnote);
}

if (runs.Count > 1)
{
    for (int r = 0; r < runs.Count; r++)
    {
        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"### Run {r + 1} of {runs.Count}").AppendLine();
        text.Append(Report.ToMarkdown(metrics.All, [runs[r]]));
    }
}

string chart = options.EffectiveChartPath;
try
{
    Chart.Write(chart, metrics, runs, $"{(options.Quick ? "quick" : "full")} run × {runs.Count}, {Environment.ProcessorCount} cores");
    ctx.Progress($"chart written to {chart}");
}
catch (Exception e)
{
    failures.Add($"chart: {e.GetType().Name}: {e.Message}");
    text.AppendLine().AppendLine($"FAILED chart: {e.GetType().Name}: {e.Message}");
}

Console.Out.Write(text.ToString());
if (options.OutputPath is { } path)
{
    await File.WriteAllTextAsync(path, text.ToString());
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
