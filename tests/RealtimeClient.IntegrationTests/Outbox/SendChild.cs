using System.Diagnostics;
using System.Reflection;
using System.Text;
using RealtimeClient.IntegrationTests.Sample;

namespace RealtimeClient.IntegrationTests.Outbox;

/// <summary>
/// The OutboxSendChild process (tests/OutboxSendChild): the library sending durable messages, run by the same dotnet
/// host, its output captured line by line. <see cref="KillAsync"/> is SIGKILL (<see cref="Process.Kill()"/> on Unix).
/// </summary>
internal sealed class SendChild : IAsyncDisposable
{
    private readonly Process _process;

    private SendChild(Process process) => _process = process;

    /// <summary>Where the build put the child's assembly (embedded by the test project file).</summary>
    public static string AssemblyPath { get; } = typeof(SendChild).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "OutboxSendChildPath").Value!;

    public CapturedOutput Output { get; } = new();

    public CapturedOutput Errors { get; } = new();

    /// <summary>The messages it was told were accepted, in the order it printed them: (text, id).</summary>
    public List<(string Text, string Id)> Accepted => [.. Output.Lines.Where(l => l.StartsWith("accepted ", StringComparison.Ordinal)).Select(l => l.Split(' ')).Select(p => (p[1], p[2]))];

    public static SendChild Start(int port, string store, params string[] options)
    {
        var info = new ProcessStartInfo(SampleProcess.Host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(AssemblyPath);
        info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add(store);
        foreach (var option in options)
        {
            info.ArgumentList.Add(option);
        }

        var child = new SendChild(new Process { StartInfo = info });
        child._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child.Output.WriteLine(e.Data);
            }
        };
        child._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child.Errors.WriteLine(e.Data);
            }
        };
        Assert.True(child._process.Start());
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits until it printed <paramref name="count"/> "accepted" lines.</summary>
    public Task WaitForAcceptedAsync(int count)
    {
        var seen = 0;
        return count == 0 ? Task.CompletedTask : Output.WaitForLineAsync(l => l.StartsWith("accepted ", StringComparison.Ordinal) && ++seen == count);
    }

    /// <summary>SIGKILL, then waits until it is gone and every line it printed was read.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await WaitForExitAsync();
    }

    /// <summary>Asks it to dispose its connection and exit; returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _process.StandardInput.WriteLineAsync("stop");
        await _process.StandardInput.FlushAsync();
        await WaitForExitAsync();
        return _process.ExitCode;
    }

    public override string ToString() => $"stdout:{Environment.NewLine}{Output}{Environment.NewLine}stderr:{Environment.NewLine}{Errors}";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitForExitAsync()
    {
        using var bound = new CancellationTokenSource(CapturedOutput.Timeout);
        await _process.WaitForExitAsync(bound.Token); // also waits for the end of the redirected output
    }
}
