using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace LoopbackHarness;

/// <summary>
/// The echo server as a child process: <c>dotnet &lt;harness output&gt;/echo-server/EchoServer.dll --port N</c>
/// (the harness build copies it there; <c>--server PATH</c> overrides). Its stdin is a pipe held by this process,
/// so the server also exits when the harness dies without cleaning up. Every started process is killed on
/// dispose, on <see cref="AppDomain.ProcessExit"/>, and by <see cref="KillAsync"/>.
/// </summary>
internal sealed class EchoServerProcess : IAsyncDisposable
{
    private static readonly List<Process> Live = [];

    private readonly Process _process;

    static EchoServerProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLive();

    private EchoServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>True once the server process has gone (killed by the reconnect run, or crashed).</summary>
    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;   // disposed
            }
        }
    }

    /// <summary>The server's process id (its open-file limit is read from /proc).</summary>
    public int ProcessId => _process.Id;

    public Uri Uri => new(string.Create(CultureInfo.InvariantCulture, $"ws://127.0.0.1:{Port}/ws"));

    public static string DefaultServerDll => Path.Combine(AppContext.BaseDirectory, "echo-server", "EchoServer.dll");

    /// <summary>Starts a server and waits for its <c>LISTENING &lt;port&gt;</c> line. Retries a busy fixed port for a few seconds.</summary>
    public static async Task<EchoServerProcess> StartAsync(string serverDll, int port, CancellationToken cancellationToken)
    {
        if (!File.Exists(serverDll))
        {
            throw new FileNotFoundException(
                $"Echo server not found at {serverDll}. Build the harness (it builds and copies the server), or pass --server PATH.", serverDll);
        }

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (server, failure) = await TryStartAsync(serverDll, port, cancellationToken);
            if (server is not null)
            {
                return server;
            }

            // A fixed port can still be held for a moment after the previous server was killed.
            if (port == 0 || deadline.Elapsed > TimeSpan.FromSeconds(5))
            {
                throw new InvalidOperationException("The echo server did not start: " + failure);
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<(EchoServerProcess? Server, string Failure)> TryStartAsync(string serverDll, int port, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(serverDll);
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));

        var process = new Process { StartInfo = info };
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    if (stderr.Length < 4000)
                    {
                        stderr.AppendLine(e.Data);
                    }
                }
            }
        };

        process.Start();
        lock (Live)
        {
            Live.Add(process);
        }

        process.BeginErrorReadLine();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("LISTENING ", StringComparison.Ordinal)
                    && int.TryParse(line.AsSpan("LISTENING ".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int bound))
                {
                    _ = DrainAsync(process.StandardOutput);
                    return (new EchoServerProcess(process, bound), "");
                }
            }

            // Stdout closed before LISTENING: the server exited (e.g. the port is still busy).
            await process.WaitForExitAsync(timeout.Token);
            string error;
            lock (stderr)
            {
                error = stderr.ToString().Trim();
            }

            Forget(process);
            return (null, $"exit code {process.ExitCode}: {FirstLine(error)}");
        }
        catch
        {
            Forget(process);
            throw;
        }
    }

    /// <summary>Kills the server (the reconnect run's "server crashed").</summary>
    public async Task KillAsync()
    {
        KillQuietly(_process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Asks the server to stop (closes its stdin), then kills it if it has not exited within 3 s.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception)
        {
        }

        Forget(_process);
    }

    private static void Forget(Process process)
    {
        KillQuietly(process);
        lock (Live)
        {
            Live.Remove(process);
        }

        process.Dispose();
    }

    private static void KillAllLive()
    {
        lock (Live)
        {
            foreach (var process in Live)
            {
                KillQuietly(process);
            }
        }
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (Exception)
        {
            // Already gone.
        }
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is not null)
            {
            }
        }
        catch (Exception)
        {
        }
    }

    private static string FirstLine(string text)
    {
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? text : text[..newline].Trim();
    }

    /// <summary>The dotnet host that runs this process (…/dotnet next to shared/Microsoft.NETCore.App/x.y.z/), else "dotnet" on PATH.</summary>
    private static string DotnetHost()
    {
        string runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        string? root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(runtimeDirectory))));
        string host = Path.Combine(root ?? "", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }
}
