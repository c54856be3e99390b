using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;

namespace RealtimeClient.Benchmarks;

/// <summary>
/// Receive and assemble, end to end inside the library: a <see cref="RealtimeConnection"/> whose connector returns
/// <see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/> over an in-memory stream of prebuilt server
/// frames. Per message: the session's receive loop (ReceiveAsync, assembly, pooled copy), the inbound filter, the
/// dispatcher's channel and the subscriber. No sockets, no server. The stream hands out <see cref="Batch"/> frames per
/// invocation; figures are per message.
/// </summary>
[MemoryDiagnoser]
public class ReceiveBenchmarks
{
    private const int Batch = 1000;
    private Feed _text = null!;
    private Feed _ticks = null!;

    [GlobalSetup]
    public void Setup()
    {
        _text = Feed.Start(Payloads.Text64, static (c, o) => c.Messages.Subscribe((CountingObserver<InboundMessage>)o), new CountingObserver<InboundMessage>());
        _ticks = Feed.Start(Payloads.TickEnvelope, static (c, o) => c.On<Tick>("tick").Subscribe((CountingObserver<Tick>)o), new CountingObserver<Tick>());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _text.Connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _ticks.Connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>64-byte text frames → Messages (raw string).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public void Receive_Text64() => _text.Run(Batch);

    /// <summary>256-byte tick envelopes → On&lt;Tick&gt;("tick").</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void Receive_TypedTick() => _ticks.Run(Batch);

    private sealed class Feed
    {
        private Func<int, ManualResetEventSlim> _expect = null!;

        public required RealtimeConnection Connection { get; init; }

        public required FrameFeedStream Stream { get; init; }

        public static Feed Start<T>(byte[] payload, Func<RealtimeConnection, object, IDisposable> subscribe, CountingObserver<T> observer)
        {
            var stream = new FrameFeedStream(ServerTextFrame(payload));
            var connection = new RealtimeConnection(new RealtimeOptions
            {
                Uri = new Uri("ws://127.0.0.1:1/bench"),
                Connector = new StreamConnector(stream),
                Heartbeat = new HeartbeatOptions { Enabled = false },
                Serializer = new Serialization.SystemTextJsonSerializer(BenchJsonContext.Default),
                Dispatch = new DispatchOptions { Overflow = DispatchOverflow.Wait },
            });
            subscribe(connection, observer);
            connection.StartAsync().GetAwaiter().GetResult();
            return new Feed { Connection = connection, Stream = stream, _expect = observer.Expect };
        }

        public void Run(int frames)
        {
            var done = _expect(frames);
            Stream.Release(frames);
            done.Wait();
        }
    }

    // One unmasked, final text frame, as a server sends it.
    private static byte[] ServerTextFrame(byte[] payload)
    {
        var header = payload.Length < 126 ? 2 : 4;
        var frame = new byte[header + payload.Length];
        frame[0] = 0x81;
        if (header == 2)
        {
            frame[1] = (byte)payload.Length;
        }
        else
        {
            frame[1] = 126;
            frame[2] = (byte)(payload.Length >> 8);
            frame[3] = (byte)payload.Length;
        }

        payload.CopyTo(frame, header);
        return frame;
    }

    private sealed class StreamConnector(Stream stream) : IWebSocketConnector
    {
        public ValueTask<WebSocket> ConnectAsync(WebSocketConnectRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero }));
    }
}

/// <summary>Serves one frame over and over, as many times as released; writes are discarded.</summary>
internal sealed class FrameFeedStream(byte[] frame) : Stream
{
    private readonly SemaphoreSlim _credits = new(0);
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public void Release(int frames) => _credits.Release(frames);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        if (_position == 0 && !_credits.Wait(0, CancellationToken.None))
        {
            await _credits.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var count = Math.Min(buffer.Length, frame.Length - _position);
        frame.AsSpan(_position, count).CopyTo(buffer.Span);
        _position = (_position + count) % frame.Length;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => default;

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Write(byte[] buffer, int offset, int count)
    {
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
