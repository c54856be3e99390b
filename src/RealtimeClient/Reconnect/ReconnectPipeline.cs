using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace RealtimeClient.Reconnect;

/// <summary>
/// Polly as the engine of the attempts: a retry strategy runs each attempt (connect, then the session until it ends) and
/// does every wait between them, on the connection's <see cref="TimeProvider"/>; a timeout strategy bounds the connect
/// step of an attempt (socket handshake plus on-connected hook) by <see cref="ReconnectOptions.ConnectTimeout"/>. The
/// delay comes from the <see cref="IReconnectPolicy"/>, asked once per attempt by the connection loop, which throws a
/// <see cref="RetryableEnd"/> carrying the decision; there is no other wait.
/// </summary>
internal sealed class ReconnectPipeline
{
    private readonly ResiliencePipeline _attempts;
    private readonly ResiliencePipeline _connectTimeout;

    public ReconnectPipeline(TimeSpan connectTimeout, TimeProvider time, Action<RetryableEnd, TimeSpan> onRetry)
    {
        _attempts = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                Name = "RealtimeClient.Reconnect",
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is RetryableEnd { Delay: not null }),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Constant,
                Delay = TimeSpan.Zero,
                UseJitter = false,
                DelayGenerator = static args => ValueTask.FromResult(((RetryableEnd)args.Outcome.Exception!).Delay),
                OnRetry = args =>
                {
                    onRetry((RetryableEnd)args.Outcome.Exception!, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        _connectTimeout = new ResiliencePipelineBuilder { TimeProvider = time }.AddTimeout(connectTimeout).Build();
    }

    /// <summary>Runs attempts until one returns (the connection closes for good), the policy stops (the <see cref="RetryableEnd"/> propagates), or <paramref name="cancellationToken"/> is cancelled.</summary>
    public ValueTask RunAsync<TState>(Func<TState, CancellationToken, ValueTask> attempt, TState state, CancellationToken cancellationToken) =>
        _attempts.ExecuteAsync(static (s, ct) => s.Attempt(s.State, ct), (Attempt: attempt, State: state), cancellationToken);

    /// <summary>Runs the connect step of an attempt within the connect timeout; throws <see cref="TimeoutRejectedException"/> when it passes.</summary>
    public ValueTask<TResult> ConnectAsync<TState, TResult>(Func<TState, CancellationToken, ValueTask<TResult>> connect, TState state, CancellationToken cancellationToken) =>
        _connectTimeout.ExecuteAsync(static (s, ct) => s.Connect(s.State, ct), (Connect: connect, State: state), cancellationToken);
}

/// <summary>
/// An attempt or a connection ended in a way worth retrying; <see cref="Delay"/> is the policy's decision (null: stop).
/// Thrown inside the retry strategy's callback only.
/// </summary>
internal sealed class RetryableEnd(DisconnectInfo disconnect, int nextAttempt, TimeSpan? delay) : Exception($"Retrying after: {disconnect.Cause}.")
{
    public DisconnectInfo Disconnect { get; } = disconnect;

    public int NextAttempt { get; } = nextAttempt;

    public TimeSpan? Delay { get; } = delay;
}
