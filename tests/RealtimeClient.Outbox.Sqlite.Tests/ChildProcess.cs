using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace RealtimeClient.Outbox.Sqlite.Tests;

/// <summary>
/// The OutboxCrashChild process (tests/OutboxCrashChild) run by the dotnet host: its output read line by line with a
/// bound on every wait, and a kill that is SIGKILL on Unix (<see cref="Process.Kill()"/>).
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private ChildProcess(Process process) => _process = process;

    /// <summary>Where the build put the child's assembly (embedded by the test project file).</summary>
    public static string AssemblyPath { get; } = typeof(ChildProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CrashChildPath").Value!;

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public static ChildProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var child = new ChildProcess(Process.Start(start)!);
        child._process.ErrorDataReceived += (_, e) =>
        {
            lock (child._errors)
            {
                child._errors.AppendLine(e.Data);
            }
        };
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The next line of output; fails if none comes within the bound or the output ends.</summary>
    public async Task<string> ReadLineAsync()
    {
        using var bound = new CancellationTokenSource(Entries.Bound);
        var line = await _process.StandardOutput.ReadLineAsync(bound.Token);
        return line ?? throw new Xunit.Sdk.XunitException($"the child's output ended; its errors: {Errors}");
    }

    /// <summary>Reads lines until one starts with <paramref name="marker"/>, returning it and the lines before it.</summary>
    public async Task<(string Marker, List<string> Before)> ReadUntilAsync(string marker)
    {
        var before = new List<string>();
        for (var line = await ReadLineAsync(); ; line = await ReadLineAsync())
        {
            if (line.StartsWith(marker, StringComparison.Ordinal))
            {
                return (line, before);
            }

            before.Add(line);
        }
    }

    public Task WriteLineAsync(string line) => _process.StandardInput.WriteLineAsync(line);

    /// <summary>Kills the child at once (SIGKILL), waits for it to be gone, and returns every line it printed but was not read yet.</summary>
    public async Task<List<string>> KillAsync()
    {
        _process.Kill();
        using var bound = new CancellationTokenSource(Entries.Bound);
        await _process.WaitForExitAsync(bound.Token);
        return await ReadToEndAsync();
    }

    /// <summary>Waits for the child to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var bound = new CancellationTokenSource(Entries.Bound);
        await _process.WaitForExitAsync(bound.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            using var bound = new CancellationTokenSource(Entries.Bound);
            await _process.WaitForExitAsync(bound.Token);
        }

        _process.Dispose();
    }

    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        // RuntimeEnvironment's folder is DOTNET_ROOT/shared/Microsoft.NETCore.App/VERSION/.
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }

    private async Task<List<string>> ReadToEndAsync()
    {
        var lines = new List<string>();
        using var bound = new CancellationTokenSource(Entries.Bound);
        while (await _process.StandardOutput.ReadLineAsync(bound.Token) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }
}
