using System.Threading.Channels;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>
/// A <see cref="TextReader"/> fed by the test, like a terminal or a pipe: <see cref="ReadLineAsync(CancellationToken)"/>
/// waits for the next line the test writes and returns null once the test has called <see cref="End"/>.
/// </summary>
internal sealed class LinePipe : TextReader
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public void Write(string line)
    {
        if (!_lines.Writer.TryWrite(line))
        {
            throw new InvalidOperationException("The input already ended.");
        }
    }

    /// <summary>End of input (what closing stdin or Ctrl+D does).</summary>
    public void End() => _lines.Writer.TryComplete();

    public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) =>
        await _lines.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) && _lines.Reader.TryRead(out var line) ? line : null;

    public override Task<string?> ReadLineAsync() => ReadLineAsync(CancellationToken.None).AsTask();

    public override string? ReadLine() => ReadLineAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
}
