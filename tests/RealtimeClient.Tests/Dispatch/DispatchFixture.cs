using System.Reactive;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RealtimeClient.Buffers;
using RealtimeClient.Diagnostics;
using RealtimeClient.Inbound;
using RealtimeClient.Serialization;

namespace RealtimeClient.Tests.Dispatch;

/// <summary>A dispatcher on its own, as the inbound pipeline feeds it, with its error reports recorded.</summary>
internal sealed class DispatchFixture : IAsyncDisposable
{
    public DispatchFixture(DispatchOptions? options = null, IEnvelopeFormat? format = null, IPayloadSerializer? serializer = null, params string[] engineTypes)
    {
        Format = format ?? JsonEnvelopeFormat.Default;
        Reporter = new ErrorReporter(NullLogger.Instance);
        Errors = new Recorder<RealtimeError>(Reporter.Stream);
        Dispatcher = new Dispatcher(options ?? new DispatchOptions(), Format, serializer ?? new SystemTextJsonSerializer(TestJsonContext.Default), engineTypes, Reporter, NullLogger.Instance);
    }

    public IEnvelopeFormat Format { get; }

    public ErrorReporter Reporter { get; }

    public Dispatcher Dispatcher { get; }

    public Recorder<RealtimeError> Errors { get; }

    public ValueTask PostAsync(string text, CancellationToken ct = default) => PostAsync(MessageKind.Text, Encoding.UTF8.GetBytes(text), ct);

    public ValueTask PostAsync(MessageKind kind, byte[] bytes, CancellationToken ct = default) =>
        Dispatcher.PostAsync(new DispatchItem(kind, RentedBuffer.CopyOf(bytes), header: null), ct);

    /// <summary>Completes the dispatcher after everything posted so far, and waits until every stream completed.</summary>
    public async Task DrainAsync()
    {
        await Dispatcher.CompleteAsync(drain: true, CancellationToken.None).AsTask().Safe();
        await Dispatcher.Completion.Safe();
    }

    public async ValueTask DisposeAsync()
    {
        await Dispatcher.DisposeAsync();
        Errors.Dispose();
    }

    /// <summary>Counts how often <paramref name="source"/> completes (it must complete exactly once).</summary>
    public static Func<int> CountCompletions<T>(IObservable<T> source, out IDisposable subscription)
    {
        var count = 0;
        subscription = source.Subscribe(Observer.Create<T>(_ => { }, () => Interlocked.Increment(ref count)));
        return () => Volatile.Read(ref count);
    }
}

/// <summary>An observer body that blocks, once, on a gate the test opens, after signalling that it entered.</summary>
internal sealed class Blocker : IDisposable
{
    private readonly ManualResetEventSlim _gate = new();
    private int _blocked;

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void BlockOnce()
    {
        if (Interlocked.Exchange(ref _blocked, 1) == 0)
        {
            Entered.TrySetResult();
            Assert.True(_gate.Wait(Wait.Timeout), "The blocker was never released.");
        }
    }

    public void Release() => _gate.Set();

    public void Dispose() => _gate.Set(); // never disposed: a blocked observer may still be waking up
}
