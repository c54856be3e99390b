using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using RealtimeClient;
using RealtimeClient.Hosting;
using RealtimeClient.Hosting.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers RealtimeClient connections. The default connection resolves as <see cref="RealtimeConnection"/> and
/// <see cref="IRealtimeConnection"/>; a named one as keyed services whose key is its name
/// (<c>[FromKeyedServices("prices")] IRealtimeConnection prices</c>). Each is a singleton built on first use with the
/// container's <c>ILoggerFactory</c> and <see cref="TimeProvider"/> (<see cref="TimeProvider.System"/> when none is
/// registered), and disposed with the container. Its options are validated when the host starts
/// (<c>ValidateOnStart</c>): a bad value fails the start with a message naming the connection, the option and the value.
/// </summary>
public static class RealtimeConnectionServiceCollectionExtensions
{
    /// <summary>
    /// Registers the default connection with options bound from <paramref name="configuration"/> (a section such as
    /// <c>builder.Configuration.GetSection("Realtime")</c>): every option, lists, dictionaries and nested sections included,
    /// each list exactly as configured. A key that matches no option fails at host start.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section holding the options, shaped like <see cref="RealtimeOptions"/>.</param>
    /// <returns>A builder for code configuration and the hosted lifetime.</returns>
    [RequiresUnreferencedCode(OptionsBinding.TrimmingMessage)]
    [RequiresDynamicCode(OptionsBinding.TrimmingMessage)]
    public static RealtimeConnectionBuilder AddRealtimeConnection(this IServiceCollection services, IConfiguration configuration) =>
        AddBound(services, string.Empty, configuration);

    /// <summary>Registers a named connection with options bound from <paramref name="configuration"/>; see <see cref="AddRealtimeConnection(IServiceCollection, IConfiguration)"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The connection's name and service key.</param>
    /// <param name="configuration">The section holding the options, shaped like <see cref="RealtimeOptions"/>.</param>
    /// <returns>A builder for code configuration and the hosted lifetime.</returns>
    [RequiresUnreferencedCode(OptionsBinding.TrimmingMessage)]
    [RequiresDynamicCode(OptionsBinding.TrimmingMessage)]
    public static RealtimeConnectionBuilder AddRealtimeConnection(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return AddBound(services, name, configuration);
    }

    /// <summary>Registers the default connection with options given in code (trimming- and AOT-safe).</summary>
    /// <param name="services">The services.</param>
    /// <param name="options">The options.</param>
    /// <returns>A builder for further code configuration and the hosted lifetime.</returns>
    public static RealtimeConnectionBuilder AddRealtimeConnection(this IServiceCollection services, RealtimeOptions options) =>
        AddGiven(services, string.Empty, options);

    /// <summary>Registers a named connection with options given in code (trimming- and AOT-safe).</summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The connection's name and service key.</param>
    /// <param name="options">The options.</param>
    /// <returns>A builder for further code configuration and the hosted lifetime.</returns>
    public static RealtimeConnectionBuilder AddRealtimeConnection(this IServiceCollection services, string name, RealtimeOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return AddGiven(services, name, options);
    }

    [RequiresUnreferencedCode(OptionsBinding.TrimmingMessage)]
    [RequiresDynamicCode(OptionsBinding.TrimmingMessage)]
    private static RealtimeConnectionBuilder AddBound(IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return ConnectionRegistration.Add(services, name, options => options.Configure(settings =>
        {
            settings.SectionPath = (configuration as IConfigurationSection)?.Path;
            settings.Options = OptionsBinding.Bind(configuration);
        }));
    }

    private static RealtimeConnectionBuilder AddGiven(IServiceCollection services, string name, RealtimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ConnectionRegistration.Add(services, name, builder => builder.Configure(settings => settings.Options = options));
    }
}
