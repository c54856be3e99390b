using Microsoft.Extensions.Diagnostics.HealthChecks;
using RealtimeClient;
using RealtimeClient.Hosting;
using RealtimeClient.Hosting.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the health check of a RealtimeClient connection.</summary>
public static class RealtimeHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check of a registered connection: <c>Healthy</c> when connected; <c>Degraded</c> while connecting or
    /// reconnecting, or when more messages than <see cref="RealtimeHealthCheckOptions.DegradedQueueThreshold"/> are queued;
    /// <paramref name="failureStatus"/> (default: <c>Unhealthy</c>) when closed for good or never started. The description
    /// says why (state, cause of the last loss, attempt, queue depth) and the data carries the same as values; neither holds
    /// an address, a token, a header value or text the server sent.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="connectionName">The connection's name (default: <see langword="null"/>, the default connection).</param>
    /// <param name="options">Thresholds (default: see <see cref="RealtimeHealthCheckOptions"/>).</param>
    /// <param name="name">The health check's name (default: <c>realtime</c>, or <c>realtime-</c> and the connection's name).</param>
    /// <param name="failureStatus">What a closed connection reports (default: <see cref="HealthStatus.Unhealthy"/>).</param>
    /// <param name="tags">Tags to filter health checks by, such as <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddRealtimeConnectionHealthCheck(
        this IHealthChecksBuilder builder,
        string? connectionName = null,
        RealtimeHealthCheckOptions? options = null,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        options ??= new RealtimeHealthCheckOptions();
        if (options.DegradedQueueThreshold < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DegradedQueueThreshold, "RealtimeHealthCheckOptions.DegradedQueueThreshold must be zero or positive.");
        }

        var connection = connectionName ?? string.Empty;
        var checkName = name ?? (connection.Length == 0 ? "realtime" : "realtime-" + connection);

        // One check instance per registration, so it keeps the latest state change (with its cause) between runs.
        builder.Services.AddKeyedSingleton(checkName, (provider, _) => new ConnectionHealthCheck(ConnectionRegistration.Resolve(provider, connection), options));
        return builder.Add(new HealthCheckRegistration(
            checkName,
            provider => provider.GetRequiredKeyedService<ConnectionHealthCheck>(checkName),
            failureStatus,
            tags));
    }
}
