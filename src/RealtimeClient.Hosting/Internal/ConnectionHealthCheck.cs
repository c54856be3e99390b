using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RealtimeClient.Hosting.Internal;

/// <summary>
/// The health of one connection, from its state, the latest state change (attempt and cause) and its queue. Subscribes to
/// the state changes once, when first used: a new subscriber receives the latest change first.
/// </summary>
internal sealed class ConnectionHealthCheck : IHealthCheck, IDisposable
{
    private readonly IRealtimeConnection _connection;
    private readonly RealtimeHealthCheckOptions _options;
    private readonly IDisposable _subscription;
    private StateChange? _latest;

    public ConnectionHealthCheck(IRealtimeConnection connection, RealtimeHealthCheckOptions options)
    {
        _connection = connection;
        _options = options;
        _subscription = connection.StateChanges.Subscribe(change => Volatile.Write(ref _latest, change));
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = _connection.State;
        var latest = Volatile.Read(ref _latest) is { } change && change.Current == state ? change : null;
        var queued = _connection.PendingCount;
        var unacknowledged = _connection.UnacknowledgedCount;
        var cause = SafeCause(latest?.Disconnect);

        var data = new Dictionary<string, object>
        {
            ["state"] = state.ToString(),
            ["queued"] = queued,
            ["unacknowledged"] = unacknowledged,
        };
        if (latest is { Attempt: > 0 } && state is ConnectionState.Connecting or ConnectionState.Reconnecting)
        {
            data["attempt"] = latest.Attempt;
        }

        if (latest?.CloseReason is { } reason)
        {
            data["closeReason"] = reason.ToString();
        }

        if (latest?.Disconnect is { } disconnect)
        {
            data["disconnectKind"] = disconnect.Kind.ToString();
            data["cause"] = cause!;
        }

        var queue = $"{Count(queued)} queued, {Count(unacknowledged)} unacknowledged";
        var overThreshold = queued > _options.DegradedQueueThreshold;
        var result = state switch
        {
            ConnectionState.Connected when overThreshold =>
                HealthCheckResult.Degraded($"Connected, but the queue is over its threshold ({Count(_options.DegradedQueueThreshold)}): {queue}", data: data),
            ConnectionState.Connected => HealthCheckResult.Healthy($"Connected; {queue}", data),
            ConnectionState.Connecting or ConnectionState.Reconnecting =>
                HealthCheckResult.Degraded($"{state}{Attempt(latest)}{Because(cause)}; {queue}", data: data),
            ConnectionState.Closed => new HealthCheckResult(
                context.Registration.FailureStatus,
                $"Closed for good{(latest?.CloseReason is { } why ? $" ({why})" : string.Empty)}{Because(cause)}; {queue}",
                data: data),
            _ => new HealthCheckResult(context.Registration.FailureStatus, $"Not started; {queue}", data: data),
        };
        return Task.FromResult(result);
    }

    public void Dispose() => _subscription.Dispose();

    /// <summary>
    /// The library's cause in words, without the two free texts it may hold: the close description the server sent and an
    /// exception's message (a custom connector's exception could quote an address). The exception's type stays.
    /// </summary>
    internal static string? SafeCause(DisconnectInfo? disconnect)
    {
        if (disconnect is null)
        {
            return null;
        }

        var cause = (disconnect with { CloseDescription = null, Exception = null }).Cause.TrimEnd(' ', ':');
        return disconnect.Exception is { } exception ? $"{cause} ({exception.GetType().Name})" : cause;
    }

    private static string Attempt(StateChange? change)
    {
        if (change is not { Attempt: > 0 })
        {
            return string.Empty;
        }

        var text = " (attempt " + change.Attempt.ToString(CultureInfo.InvariantCulture);
        if (change.RetryDelay is { } delay)
        {
            text += ", waiting " + delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
        }

        return text + ")";
    }

    private static string Because(string? cause) => cause is null ? string.Empty : " after: " + cause;

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
