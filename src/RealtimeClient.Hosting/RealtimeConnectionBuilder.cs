using Microsoft.Extensions.DependencyInjection;
using RealtimeClient.Hosting.Internal;

namespace RealtimeClient.Hosting;

/// <summary>
/// Adjusts one connection registered with <c>AddRealtimeConnection</c>: code configuration for what configuration cannot
/// carry (delegates, the serializer, the connector, the outbox) and its lifetime.
/// </summary>
public sealed class RealtimeConnectionBuilder
{
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
}
