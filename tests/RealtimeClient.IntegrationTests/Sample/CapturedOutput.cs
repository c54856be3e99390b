using System.Text;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// A thread-safe <see cref="TextWriter"/> that keeps every line written to it and lets a test await a line.
/// </summary>
internal sealed class CapturedOutput : TextWriter
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly object _gate = new();
    private readonly List<string> _lines = [];
    private readonly StringBuilder _partial = new();
    private readonly List<(int From, Func<string, bool> Predicate, TaskCompletionSource<int> Found)> _waiters = [];

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\n')
            {
                AddLine(_partial.ToString().TrimEnd('\r'));
                _partial.Clear();
            }
            else
            {
                _partial.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? string.Empty)
        {
            Write(c);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            _partial.Append(value);
            AddLine(_partial.ToString());
            _partial.Clear();
        }
    }

    /// <summary>The index of the first line at or after <paramref name="from"/> that matches, as soon as it is written.</summary>
    public Task<int> WaitForLineAsync(Func<string, bool> predicate, int from = 0)
    {
        var found = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            for (var i = from; i < _lines.Count; i++)
            {
                if (predicate(_lines[i]))
                {
                    return Task.FromResult(i);
                }
            }

            _waiters.Add((from, predicate, found));
        }

        return WithContextAsync(found.Task);
    }

    /// <summary>The index of the first line at or after <paramref name="from"/> equal to <paramref name="line"/>.</summary>
    public Task<int> WaitForLineAsync(string line, int from = 0) => WaitForLineAsync(l => l == line, from);

    public override string ToString() => string.Join(Environment.NewLine, Lines);

    private async Task<int> WithContextAsync(Task<int> found)
    {
        try
        {
            return await found.WaitAsync(Timeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"The expected line did not appear within {Timeout.TotalSeconds} s. Output so far:{Environment.NewLine}{this}", ex);
        }
    }

    private void AddLine(string line)
    {
        _lines.Add(line);
        var index = _lines.Count - 1;
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (index >= _waiters[i].From && _waiters[i].Predicate(line))
            {
                _waiters[i].Found.TrySetResult(index);
                _waiters.RemoveAt(i);
            }
        }
    }
}
