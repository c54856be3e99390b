using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RealtimeClient.InteropTests.Peers;

/// <summary>
/// One child process of a peer: its standard input is a pipe (every peer exits when it closes, so none outlives the test
/// run), its output is kept for failure messages, and it is stopped by its own PID. Every wait is bounded.
/// </summary>
internal sealed partial class PeerProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);
    private const int KeptLines = 200;

    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PeerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote (stdout and stderr, stderr marked), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    public static PeerProcess Start(string name, string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var peer = new PeerProcess(name, process);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"{name}: cannot start {program}: {e.Message}", e);
        }

        peer.ReadLinesOf(process.StandardOutput, isError: false);
        peer.ReadLinesOf(process.StandardError, isError: true);
        return peer;
    }

    /// <summary>Waits for the first line, <c>listening 127.0.0.1:PORT name=version...</c>; fails with the output otherwise.</summary>
    public async Task<(int Port, PeerVersions Versions)> WaitUntilListeningAsync()
    {
        var exited = _process.WaitForExitAsync();
        try
        {
            await Task.WhenAny(_firstLine.Task, exited).WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            await KillAsync();
            throw new InvalidOperationException($"{Name} printed no line within {StartTimeout.TotalSeconds:0} s; output:{Environment.NewLine}{Output}");
        }

        if (!_firstLine.Task.IsCompleted)
        {
            throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before listening; output:{Environment.NewLine}{Output}");
        }

        var line = await _firstLine.Task;
        var match = ListeningLine().Match(line);
        if (!match.Success)
        {
            await KillAsync();
            throw new InvalidOperationException($"{Name}: unexpected first line \"{line}\"; output:{Environment.NewLine}{Output}");
        }

        return (int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture), PeerVersions.Parse(match.Groups["versions"].Value));
    }

    /// <summary>Kills the process by its PID (SIGKILL: no goodbye to its clients) and waits, bounded, until it is gone.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It has already exited.
        }

        using var timeout = new CancellationTokenSource(ExitTimeout);
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    /// <summary>
    /// Reads the process's output on a thread of its own until the stream ends (the process exits). Not
    /// <c>BeginOutputReadLine</c>: on Linux a pipe read blocks, and that one blocks a thread-pool thread per stream for the
    /// whole run (ten for the four peers), which starved the pool that the library's timers and receive loops run on.
    /// </summary>
    private void ReadLinesOf(StreamReader reader, bool isError)
    {
        var thread = new Thread(() =>
        {
            try
            {
                while (reader.ReadLine() is { } line)
                {
                    Keep(line, isError);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The process was disposed under the read: its output ends here.
            }
        })
        {
            IsBackground = true,
            Name = $"{Name} {(isError ? "stderr" : "stdout")}",
        };
        thread.Start();
    }

    private void Keep(string line, bool isError)
    {

        if (!isError)
        {
            _firstLine.TrySetResult(line);
        }

        lock (_output)
        {
            _output.Enqueue(isError ? $"[stderr] {line}" : line);
            if (_output.Count > KeptLines)
            {
                _output.Dequeue();
            }
        }
    }

    [GeneratedRegex(@"^listening 127\.0\.0\.1:(?<port>\d+)(?<versions>.*)$")]
    private static partial Regex ListeningLine();
}
