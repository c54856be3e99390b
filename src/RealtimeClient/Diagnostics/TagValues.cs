using System.Globalization;
using System.Text;

namespace RealtimeClient.Diagnostics;

/// <summary>
/// The values of the enum tags, in OpenTelemetry's style (lower snake case: <c>queue_full</c>, <c>connect_timeout</c>),
/// computed once per enum, so tagging a measurement never formats a string.
/// </summary>
internal static class TagValues
{
    public static string Of(ConnectionState value) => Names<ConnectionState>.Get(value, (int)value);

    public static string Of(DisconnectKind value) => Names<DisconnectKind>.Get(value, (int)value);

    public static string Of(DeliveryFailureReason value) => Names<DeliveryFailureReason>.Get(value, (int)value);

    public static string Of(ErrorKind value) => Names<ErrorKind>.Get(value, (int)value);

    public static string Of(MessageKind value) => value == MessageKind.Text ? "text" : "binary";

    /// <summary><c>QueueFull</c> → <c>queue_full</c>.</summary>
    public static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    text.Append('_');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    /// <summary>The names of an int enum whose values are 0, 1, 2, ...; a value outside them is formatted (never thrown on).</summary>
    private static class Names<T>
        where T : struct, Enum
    {
        private static readonly string[] Values = Build();

        public static string Get(T value, int index) =>
            (uint)index < (uint)Values.Length && Values[index] is { } name ? name : SnakeCase(value.ToString());

        private static string[] Build()
        {
            var values = Enum.GetValues<T>();
            var names = new string[values.Length];
            foreach (var value in values)
            {
                var index = Convert.ToInt32(value, CultureInfo.InvariantCulture);
                if ((uint)index < (uint)names.Length)
                {
                    names[index] = SnakeCase(value.ToString());
                }
            }

            return names;
        }
    }
}
