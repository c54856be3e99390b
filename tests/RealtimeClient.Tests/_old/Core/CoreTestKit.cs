using System.Net.WebSockets;
using RealtimeClient.Tests.Engine;
using RealtimeClient.Tests.Infrastructure;

namespace RealtimeClient.Tests.Core;

/// <summary>Small helpers for the core engine tests (the shared ones live in Engine/TestHelpers.cs).</summary>
internal static class CoreTestKit
{
    /// <summary>Only a guard against hangs: tests await signals, never this.</summary>
    public static readonly TimeSpan Safety = Harness.Safety;

    /// <summary>Awaits <paramref name="task"/> with the safety timeout.</summary>
    public static Task Safe(this Task task) => task.WaitAsync(Safety);

    /// <inheritdoc cref="Safe(Task)"/>
    public static Task<T> Safe<T>(this Task<T> task) => task.WaitAsync(Safety);

    /// <summary>A harness whose options are adjusted by <paramref name="configure"/> (a copy with <c>with</c>-like init).</summary>
    public static Harness NewHarness(Func<RealtimeOptions, RealtimeOptions>? configure = null) => new(configure);

    /// <summary>Options identical to <paramref name="o"/> except for the size limits.</summary>
    public static RealtimeOptions WithSizes(RealtimeOptions o, int maxMessageSize, int receiveBufferSize) => new()
    {
        Uri = o.Uri,
        Connector = o.Connector,
        MaxMessageSize = maxMessageSize,
        ReceiveBufferSize = receiveBufferSize,
    };

    /// <summary>
    /// Moves the clock past the reconnect backoff (at most InitialDelay = 1 s for the first retry) and returns the next
    /// accepted server connection. Also copes with a wait cut short (a network change reconnects at once).
    /// </summary>
    public static async Task<FakeServerConnection> ReconnectAsync(Harness h)
    {
        var connected = h.States.NextAsync(s => s.Current == ConnectionState.Connected);
        var backoff = h.Time.WaitForTimerAsync(d => d <= TimeSpan.FromSeconds(1));
        try
        {
            if (await Task.WhenAny(connected, backoff).Safe() == backoff && !connected.IsCompleted)
            {
                h.Time.Advance(TimeSpan.FromSeconds(1));
            }

            var server = await h.Server.AcceptAsync().Safe();
            await connected;
            return server;
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(
                $"No reconnect. Timers: [{string.Join(", ", h.Time.PendingDueTimes())}]; states: {string.Join(" | ", h.States.Values)}; errors: {string.Join(" | ", h.Errors.Values)}",
                ex);
        }
    }

    /// <summary>True when the server saw the client close with <paramref name="status"/>.</summary>
    public static async Task<WebSocketCloseStatus?> ClientCloseStatusAsync(FakeServerConnection server) =>
        (await server.ClientClosed.Safe()).Status;
}

/// <summary>An observer that throws on every value, counting the calls.</summary>
internal sealed class ThrowingObserver<T> : IObserver<T>
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public void OnNext(T value)
    {
        Interlocked.Increment(ref _calls);
        throw new InvalidOperationException("subscriber failure (test)");
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }
}
