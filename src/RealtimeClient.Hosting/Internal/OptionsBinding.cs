using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace RealtimeClient.Hosting.Internal;

/// <summary>
/// Reads a <see cref="RealtimeOptions"/> from a configuration section with the configuration binder, then corrects the
/// binder's one surprise: it appends configured items to a list's default items (<c>Reconnect:FatalCloseStatuses</c> =
/// [4001] would bind as [1008, 4001]). Here a list that the configuration mentions is exactly what the configuration says,
/// and an empty JSON array (<c>[]</c>) empties it. Unknown keys fail (a misspelt option is an error, not a silent default).
/// </summary>
internal static class OptionsBinding
{
    public const string TrimmingMessage = "Binding RealtimeOptions from configuration uses reflection over the options types. Configure the connection in code (AddRealtimeConnection with a RealtimeOptions) in trimmed or native AOT apps.";

    [RequiresUnreferencedCode(TrimmingMessage)]
    [RequiresDynamicCode(TrimmingMessage)]
    public static RealtimeOptions Bind(IConfiguration section)
    {
        var options = new RealtimeOptions();
        section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        ReplaceLists(options, section);
        return options;
    }

    /// <summary>Sets every list the section mentions to the section's items, in the options and in their nested records.</summary>
    [RequiresUnreferencedCode(TrimmingMessage)]
    [RequiresDynamicCode(TrimmingMessage)]
    private static void ReplaceLists(object options, IConfiguration section)
    {
        // A key is looked up among the section's children rather than with Exists(), which is false for an empty JSON
        // array (the JSON provider stores it as a key with a null value).
        var present = new Dictionary<string, IConfigurationSection>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            present[child.Key] = child;
        }

        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || !present.TryGetValue(property.Name, out var child))
            {
                continue;
            }

            if (ListItemType(property.PropertyType) is { } itemType)
            {
                var items = child.Get(itemType.MakeArrayType()) ?? Array.CreateInstance(itemType, 0);
                property.SetValue(options, items);
            }
            else if (property.PropertyType.Assembly == typeof(RealtimeOptions).Assembly
                && property.PropertyType.IsClass
                && !typeof(Delegate).IsAssignableFrom(property.PropertyType)
                && property.GetValue(options) is { } nested)
            {
                ReplaceLists(nested, child);
            }
        }
    }

    /// <summary>The item type of the list interfaces the options use (IReadOnlyList, IReadOnlyCollection, IEnumerable), or null.</summary>
    private static Type? ListItemType(Type type)
    {
        if (!type.IsInterface || !type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IEnumerable<>) || definition == typeof(IList<>)
            ? type.GetGenericArguments()[0]
            : null;
    }
}
