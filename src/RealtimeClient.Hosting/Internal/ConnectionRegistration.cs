using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RealtimeClient.Hosting.Internal;

/// <summary>
/// Registers one connection: its named options (validated at host start), the connection as a singleton built from them
/// with the container's logging, clock and meter factory (so its metrics go where the app's go), and its
/// <see cref="IRealtimeConnection"/> alias. The default connection (name "") is a plain singleton; a named one is a keyed
/// singleton whose key is its name.
/// </summary>
internal static class ConnectionRegistration
{
    public static RealtimeConnectionBuilder Add(IServiceCollection services, string name, Action<OptionsBuilder<ConnectionSettings>> configureFirst)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (IsRegistered(services, name))
        {
            throw new InvalidOperationException(name.Length == 0
                ? "The default RealtimeClient connection is already registered; give the other one a name: AddRealtimeConnection(\"name\", ...)."
                : $"A RealtimeClient connection named '{name}' is already registered.");
        }

        var options = services.AddOptions<ConnectionSettings>(name);
        configureFirst(options);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectionSettings>, ConnectionSettingsValidator>());

        if (name.Length == 0)
        {
            services.AddSingleton(provider => Create(provider, name));
            services.AddSingleton<IRealtimeConnection>(provider => provider.GetRequiredService<RealtimeConnection>());
        }
        else
        {
            services.AddKeyedSingleton(name, (provider, _) => Create(provider, name));
            services.AddKeyedSingleton<IRealtimeConnection>(name, (provider, key) => provider.GetRequiredKeyedService<RealtimeConnection>(key));
        }

        return new RealtimeConnectionBuilder(services, name);
    }

    /// <summary>The connection registered under <paramref name="name"/> ("" for the default one).</summary>
    public static IRealtimeConnection Resolve(IServiceProvider provider, string name) => name.Length == 0
        ? provider.GetRequiredService<IRealtimeConnection>()
        : provider.GetRequiredKeyedService<IRealtimeConnection>(name);

    private static bool IsRegistered(IServiceCollection services, string name)
    {
        foreach (var service in services)
        {
            if (service.ServiceType == typeof(RealtimeConnection) && (name.Length == 0
                ? !service.IsKeyedService
                : service.IsKeyedService && Equals(service.ServiceKey, name)))
            {
                return true;
            }
        }

        return false;
    }

    private static RealtimeConnection Create(IServiceProvider provider, string name)
    {
        var options = provider.GetRequiredService<IOptionsMonitor<ConnectionSettings>>().Get(name).Options;
        return new RealtimeConnection(options, provider.GetService<ILoggerFactory>(), provider.GetService<TimeProvider>() ?? TimeProvider.System,
            provider.GetService<IMeterFactory>());
    }
}
