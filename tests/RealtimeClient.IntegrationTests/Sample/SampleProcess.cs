using System.Diagnostics;
using System.Text;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// The sample (the ConsoleChat.dll that the project reference copies next to this assembly) as a real child process, run
/// by the same dotnet host with stdin, stdout and stderr piped. It is started through <c>setsid</c>, so it leads its own
/// process group, and <see cref="PressCtrlC"/> sends SIGINT to that group as a terminal does.
/// </summary>
internal sealed class SampleProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SampleProcess(Process process)
    {
        _process = process;
    }

    public CapturedOutput Output { get; } = new();

    public CapturedOutput Errors { get; } = new();

    public int ExitCode => _process.ExitCode;

    public static string Dll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "ConsoleChat.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: the ProjectReference should copy it next to the tests");
            return dll;
        }
    }

    /// <summary>The dotnet host running these tests.</summary>
    public static string Host => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    public static SampleProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Host);
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var sample = new SampleProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                sample.Output.WriteLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                sample.Errors.WriteLine(e.Data);
            }
        };
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sample;
    }

    public Task WriteLineAsync(string line) => _process.StandardInput.WriteLineAsync(line);

    /// <summary>Types without pressing Enter.</summary>
    public async Task TypeAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        await _process.StandardInput.FlushAsync();
    }

    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Ctrl-C as a terminal sends it: SIGINT to the sample's process group (<c>kill -INT -PGID</c>).</summary>
    public async Task PressCtrlC()
    {
        // setsid made the sample the leader of a new group, so the group id is its pid.
        Assert.Equal(_process.Id, ProcessGroupOf(_process.Id));
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", "--", $"-{_process.Id}"]) { UseShellExecute = false })!;
        using var timeout = new CancellationTokenSource(CapturedOutput.Timeout);
        await kill.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Kills the sample at once with SIGKILL (no chance to clean up, as a crash) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        using var timeout = new CancellationTokenSource(CapturedOutput.Timeout);
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Waits (bounded) for the sample to exit and returns its exit code.</summary>
    public async Task<int> ExitAsync()
    {
        using var timeout = new CancellationTokenSource(CapturedOutput.Timeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException ex)
        {
            throw new TimeoutException($"The sample did not exit within {CapturedOutput.Timeout.TotalSeconds} s.{Environment.NewLine}{this}", ex);
        }

        return _process.ExitCode;
    }

    public override string ToString() => $"stdout:{Environment.NewLine}{Output}{Environment.NewLine}stderr:{Environment.NewLine}{Errors}";

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int ProcessGroupOf(int pid)
    {
        // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so read after the last ')'.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
    }
}
