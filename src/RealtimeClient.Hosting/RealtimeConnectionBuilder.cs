using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RealtimeClient.Hosting.Internal;

namespace RealtimeClient.Hosting;

/// <summary>
/// Adjusts one connection registered with <c>AddRealtimeConnection</c>: code configuration for what configuration cannot
/// carry (delegates, the serializer, the connector, the outbox), and the hosted lifetime.
/// </summary>
public sealed class RealtimeConnectionBuilder
{
    private bool _hosted;

    internal RealtimeConnectionBuilder(IServiceCollection services, string name)
    {
        Services = services;
        Name = name;
    }

    /// <summary>The services the connection is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The connection's name: its service key, or <see cref="string.Empty"/> for the default connection.</summary>
    public string Name { get; }

    /// <summary>
    /// Adjusts the options after configuration was bound and after the adjustments added before this one, for example
    /// <c>options =&gt; options with { OnConnected = ..., Serializer = new SystemTextJsonSerializer(AppJson.Default) }</c>.
    /// Runs once, when the connection is first resolved (or at host start, which validates the result).
    /// </summary>
    /// <param name="configure">Returns the adjusted options (a <c>with</c> expression on its argument).</param>
    /// <returns>This builder.</returns>
    public RealtimeConnectionBuilder Configure(Func<RealtimeOptions, RealtimeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return Configure((options, _) => configure(options));
    }

    /// <summary>
    /// Adjusts the options with services from the container, for example a token provider:
    /// <c>(options, services) =&gt; options with { Authentication = options.Authentication with { TokenProvider = services.GetRequiredService&lt;Tokens&gt;().GetAsync } }</c>.
    /// </summary>
    /// <param name="configure">Returns the adjusted options (a <c>with</c> expression on its argument).</param>
    /// <returns>This builder.</returns>
    public RealtimeConnectionBuilder Configure(Func<RealtimeOptions, IServiceProvider, RealtimeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var name = Name;
        Services.AddOptions<ConnectionSettings>(name).Configure<IServiceProvider>((settings, provider) =>
            settings.Options = configure(settings.Options, provider)
                ?? throw new InvalidOperationException($"A Configure callback of the RealtimeClient connection '{name}' returned null instead of the options."));
        return this;
    }

    /// <summary>
    /// Ties the connection to the host: it starts connecting when the host starts (in the background: a server that is
    /// down does not keep the app from starting), and when the host stops it gets up to <paramref name="drainTimeout"/>
    /// to send what is queued and receive the acknowledgements still due (<see cref="IRealtimeConnection.DrainAsync"/>),
    /// then stops with a close handshake. The host's shutdown token bounds both: when it fires, the drain ends and the
    /// socket is aborted. What did not drain is logged (count only) and fails with
    /// <see cref="DeliveryFailureReason.ConnectionClosed"/>.
    /// </summary>
    /// <param name="drainTimeout">
    /// The longest drain at shutdown (default: 5 s, which with the default 5 s <see cref="RealtimeOptions.CloseTimeout"/>
    /// fits in the host's default 30 s shutdown timeout); <see cref="TimeSpan.Zero"/> stops without draining;
    /// <see cref="Timeout.InfiniteTimeSpan"/> drains until the host's shutdown timeout.
    /// </param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="drainTimeout"/> is negative (other than infinite).</exception>
    /// <exception cref="InvalidOperationException">The connection already has a hosted lifetime.</exception>
    public RealtimeConnectionBuilder WithHostedLifetime(TimeSpan? drainTimeout = null)
    {
        var drain = drainTimeout ?? HostedConnectionLifetime.DefaultDrainTimeout;
        if (drain < TimeSpan.Zero && drain != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(drainTimeout), drain, "The drain timeout must be zero, positive or infinite.");
        }

        if (_hosted)
        {
            throw new InvalidOperationException($"The RealtimeClient connection '{Name}' already has a hosted lifetime.");
        }

        _hosted = true;
        var name = Name;
        Services.AddSingleton<IHostedService>(provider => new HostedConnectionLifetime(
            ConnectionRegistration.Resolve(provider, name),
            name,
            drain,
            provider.GetService<ILoggerFactory>()?.CreateLogger(HostedConnectionLifetime.LogCategory) ?? NullLogger.Instance));
        return this;
    }
}
