using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging.Abstractions;
using RealtimeClient.Codec;
using RealtimeClient.Internal;

namespace RealtimeClient.Tests.Dispatch;

public sealed record ChatMessage(string Id, string Text);

public sealed record Presence(string User, int OnlineCount);

public sealed record Seq(int N);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(Presence))]
[JsonSerializable(typeof(Seq))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class DispatchJsonContext : JsonSerializerContext
{
}

internal static class Wait
{
    public static readonly TimeSpan Safety = TimeSpan.FromSeconds(10);
}

// A dispatcher with its errors collected.
internal sealed class DispatchFixture : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<RealtimeError> _errors = [];

    public DispatchFixture(DispatchOptions? options = null, IMessageCodec? codec = null)
    {
        Codec = codec ?? new JsonEnvelopeCodec();
        Dispatcher = new Dispatcher(options ?? new DispatchOptions(), Codec, OnError, NullLogger.Instance);
    }

    public IMessageCodec Codec { get; }

    public Dispatcher Dispatcher { get; }

    public Action<RealtimeError>? ErrorHook { get; set; }

    public IReadOnlyList<RealtimeError> Errors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    public ValueTask PostAsync(string text, CancellationToken ct = default) => PostAsync(MessageKind.Text, Encoding.UTF8.GetBytes(text), ct);

    public ValueTask PostAsync(MessageKind kind, byte[] bytes, CancellationToken ct = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(bytes.Length, 1));
        bytes.CopyTo(buffer, 0);
        return Dispatcher.PostAsync(kind, buffer, bytes.Length, ct);
    }

    // Waits until everything posted so far was delivered and every stream completed.
    public Task DrainAsync() => Dispatcher.CompleteAsync(drain: true, CancellationToken.None).AsTask().WaitAsync(Wait.Safety);

    public ValueTask DisposeAsync() => Dispatcher.DisposeAsync();

    private void OnError(RealtimeError error)
    {
        lock (_gate)
        {
            _errors.Add(error);
        }

        ErrorHook?.Invoke(error);
    }
}

// Records what it is given; OnItem runs after recording (and may throw or block).
internal sealed class Recorder<T> : IObserver<T>
{
    private readonly Lock _gate = new();
    private readonly List<T> _items = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private int _completions;

    public Action<T>? OnItem { get; init; }

    public TaskCompletionSource Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Completions => Volatile.Read(ref _completions);

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_gate)
            {
                return [.. _items];
            }
        }
    }

    public Task WhenCountAsync(int count)
    {
        lock (_gate)
        {
            if (_items.Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(Wait.Safety);
        }
    }

    public void OnNext(T value)
    {
        lock (_gate)
        {
            _items.Add(value);
            foreach (var waiter in _waiters)
            {
                if (_items.Count >= waiter.Count)
                {
                    waiter.Signal.TrySetResult();
                }
            }
        }

        OnItem?.Invoke(value);
    }

    public void OnError(Exception error) => throw new InvalidOperationException("OnError must never be called.", error);

    public void OnCompleted()
    {
        Interlocked.Increment(ref _completions);
        Completed.TrySetResult();
    }
}

// An observer action that blocks on a gate the test releases, after signalling that it entered.
internal sealed class Blocker : IDisposable
{
    private readonly ManualResetEventSlim _gate = new();
    private int _blocked;

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Blocks the first call only.
    public void BlockOnce()
    {
        if (Interlocked.Exchange(ref _blocked, 1) == 0)
        {
            Entered.TrySetResult();
            Assert.True(_gate.Wait(Wait.Safety), "The blocker was never released.");
        }
    }

    public void Release() => _gate.Set();

    public void Dispose()
    {
        _gate.Set();
        _gate.Dispose();
    }
}
