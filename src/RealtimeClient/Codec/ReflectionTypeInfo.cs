using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RealtimeClient.Codec;

// Metadata for the reflection-based overloads (On<T>(type), SendAsync<T>(type, payload), ...).
// JsonSerializerOptions.GetTypeInfo does NOT add the reflection resolver to options that have none (such as the
// codec's default options), so every reflection-based overload must come through here.
internal static class ReflectionTypeInfo
{
    internal const string Warning =
        "Payloads are (de)serialized with reflection-based metadata, which trimming and native AOT can break. " +
        "Pass a JsonTypeInfo<T> from a source-generated JsonSerializerContext instead.";

    [RequiresUnreferencedCode(Warning)]
    [RequiresDynamicCode(Warning)]
    public static JsonTypeInfo<T> Get<T>(IMessageCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        return Get<T>(codec.SerializerOptions);
    }

    [RequiresUnreferencedCode(Warning)]
    [RequiresDynamicCode(Warning)]
    public static JsonTypeInfo<T> Get<T>(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsReadOnly)
        {
            // Adds the reflection-based resolver when the options have none; a no-op for options with a resolver.
            options.MakeReadOnly(populateMissingResolver: true);
        }

        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }
}
