using System.Threading.Channels;

namespace RealtimeClient.Testing;

/// <summary>
/// One end of an in-memory, TCP-like byte connection made by <see cref="CreatePair"/>. Writes never block
/// (unbounded buffering, like a socket send buffer). Disposing an end is like closing the socket: the peer reads
/// end-of-stream once it has read what was already sent, the peer's later writes fail with <see cref="IOException"/>
/// (connection reset), and this end's own pending read fails with <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class InMemoryDuplexStream : Stream
{
    private readonly Channel<byte[]> _incoming;
    private readonly Channel<byte[]> _outgoing;
    private readonly CancellationTokenSource _disposed = new();
    private readonly TaskCompletionSource _disposedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _frozen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _writeBlocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _writeGate;
    private int _blockedWrites;
    private bool _failWrites;
    private byte[]? _current;
    private int _offset;
    private volatile bool _isFrozen;

    private InMemoryDuplexStream(Channel<byte[]> incoming, Channel<byte[]> outgoing)
    {
        _incoming = incoming;
        _outgoing = outgoing;
    }

    /// <summary>Completes when this end has been disposed (for a WebSocket: aborted, disposed, or closed and disposed).</summary>
    public Task Disposed => _disposedSignal.Task;

    /// <summary>Whether this end has been disposed.</summary>
    public bool IsDisposed => _disposedSignal.Task.IsCompleted;

    /// <inheritdoc />
    public override bool CanRead => !IsDisposed;

    /// <inheritdoc />
    public override bool CanWrite => !IsDisposed;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Creates two connected ends: what one writes, the other reads.</summary>
    public static (InMemoryDuplexStream A, InMemoryDuplexStream B) CreatePair()
    {
        var options = new UnboundedChannelOptions { SingleReader = true, SingleWriter = false };
        Channel<byte[]> aToB = Channel.CreateUnbounded<byte[]>(options);
        Channel<byte[]> bToA = Channel.CreateUnbounded<byte[]>(options);
        var a = new InMemoryDuplexStream(incoming: bToA, outgoing: aToB);
        var b = new InMemoryDuplexStream(incoming: aToB, outgoing: bToA);
        return (a, b);
    }

    /// <summary>
    /// Stops delivering incoming data for good: reads (including one already pending) wait until this end is
    /// disposed. The peer's writes still succeed and are buffered. Models a peer process that hangs.
    /// </summary>
    public void Freeze() => _isFrozen = true;

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        try
        {
            if (_current is null)
            {
                bool more = await _incoming.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
                if (_isFrozen)
                {
                    await _frozen.Task.WaitAsync(linked.Token).ConfigureAwait(false);
                }

                if (!more)
                {
                    return 0; // the peer closed: end of stream
                }

                _current = await _incoming.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
                _offset = 0;
            }

            if (_isFrozen)
            {
                await _frozen.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(InMemoryDuplexStream), "The stream was disposed while a read was pending.");
        }

        int count = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsMemory(_offset, count).CopyTo(buffer);
        _offset += count;
        if (_offset == _current.Length)
        {
            _current = null;
        }

        return count;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (Volatile.Read(ref _writeGate) is { } gate)
        {
            return WriteWhenReleasedAsync(gate, buffer, cancellationToken);
        }

        try
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    /// <summary>
    /// From now on, writes from this end wait (like a write into a full TCP send buffer whose peer stopped reading) until
    /// <see cref="ReleaseWrites"/>, or fail when this end is disposed (aborted). Reads are not affected.
    /// </summary>
    public void BlockWrites() => Interlocked.CompareExchange(ref _writeGate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    /// <summary>Lets blocked writes (and later ones) go through, in order.</summary>
    public void ReleaseWrites() => Interlocked.Exchange(ref _writeGate, null)?.TrySetResult();

    /// <summary>Whether a write is waiting on <see cref="BlockWrites"/> right now.</summary>
    public bool HasBlockedWrite => Volatile.Read(ref _blockedWrites) > 0;

    /// <summary>Completes when a write starts waiting on <see cref="BlockWrites"/>.</summary>
    public Task WriteBlocked => _writeBlocked.Task;

    /// <summary>From now on, every write from this end fails with <see cref="IOException"/>, as on a socket that is dying.</summary>
    public void FailWrites() => Volatile.Write(ref _failWrites, true);

    private async ValueTask WriteWhenReleasedAsync(TaskCompletionSource gate, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _blockedWrites);
        _writeBlocked.TrySetResult();
        try
        {
            using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
            try
            {
                await gate.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new IOException("The connection was aborted while a write was blocked.");
            }
        }
        finally
        {
            Interlocked.Decrement(ref _blockedWrites);
        }

        Write(buffer.Span);
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (Volatile.Read(ref _failWrites))
        {
            throw new IOException("The connection is dying (in-memory: writes fail).");
        }

        if (buffer.IsEmpty)
        {
            return;
        }

        // The outgoing channel is completed when either end is disposed; writing then is a reset connection.
        if (!_outgoing.Writer.TryWrite(buffer.ToArray()))
        {
            throw new IOException("The connection was reset by the peer.");
        }
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _disposedSignal.TrySetResult())
        {
            _outgoing.Writer.TryComplete(); // the peer reads what was sent, then end of stream
            _incoming.Writer.TryComplete(); // the peer's further writes fail (connection reset)
            _disposed.Cancel();
        }

        base.Dispose(disposing);
    }
}
