using System.Collections;
using System.Globalization;
using System.Reflection;

namespace RealtimeClient.Hosting.Tests.Binding;

/// <summary>
/// The options as a flat list of leaves ("Reconnect.FatalCloseStatuses" = "[4000, 4003]"), for comparing two option
/// records value by value (records compare their lists by reference) and for finding what configuration cannot carry.
/// </summary>
internal static class OptionsTree
{
    /// <summary>Every leaf of <paramref name="options"/> that configuration can carry, rendered as text.</summary>
    /// <param name="options">The options (or a nested record).</param>
    /// <param name="expandNulls">Whether a null nested object is expanded as a fresh instance (its defaults).</param>
    public static SortedDictionary<string, string> Leaves(object options, bool expandNulls = false)
    {
        var leaves = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Walk(options, string.Empty, leaves, expandNulls);
        return leaves;
    }

    /// <summary>The paths of the properties configuration cannot carry (delegates and services such as the connector).</summary>
    public static IReadOnlyList<string> CodeOnly(object options)
    {
        var paths = new List<string>();
        foreach (var property in Settable(options.GetType()))
        {
            if (IsCodeOnly(property.PropertyType))
            {
                paths.Add(property.Name);
            }
            else if (IsNested(property.PropertyType) && property.GetValue(options) is { } nested)
            {
                paths.AddRange(CodeOnly(nested).Select(p => property.Name + "." + p));
            }
        }

        return paths;
    }

    private static void Walk(object node, string prefix, SortedDictionary<string, string> leaves, bool expandNulls)
    {
        foreach (var property in Settable(node.GetType()))
        {
            var path = prefix + property.Name;
            var type = property.PropertyType;
            if (IsCodeOnly(type))
            {
                continue;
            }

            var value = property.GetValue(node);
            if (IsNested(type))
            {
                value ??= expandNulls ? Activator.CreateInstance(type) : null;
                if (value is null)
                {
                    leaves[path] = "null";
                }
                else
                {
                    Walk(value, path + ".", leaves, expandNulls);
                }

                continue;
            }

            leaves[path] = Render(value);
        }
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0);

    private static bool IsCodeOnly(Type type) =>
        typeof(Delegate).IsAssignableFrom(type) || (type.IsInterface && !typeof(IEnumerable).IsAssignableFrom(type));

    private static bool IsNested(Type type) =>
        type.IsClass && type != typeof(string) && type != typeof(Uri) && !typeof(IEnumerable).IsAssignableFrom(type) && !typeof(Delegate).IsAssignableFrom(type);

    private static string Render(object? value) => value switch
    {
        null => "null",
        string text => '"' + text + '"',
        IDictionary dictionary => "{" + string.Join(", ", dictionary.Keys.Cast<object>().Select(k => $"{k}={dictionary[k]}").Order(StringComparer.Ordinal)) + "}",
        IEnumerable<KeyValuePair<string, string>> pairs => "{" + string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}").Order(StringComparer.Ordinal)) + "}",
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Render)) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };
}
