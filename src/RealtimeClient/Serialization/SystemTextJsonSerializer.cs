using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RealtimeClient.Serialization;

/// <summary>
/// The default <see cref="IPayloadSerializer"/>, on System.Text.Json. Pass a source-generated
/// <c>JsonSerializerContext</c> (trimming- and AOT-safe: no reflection), or options of your own. Thread-safe.
/// </summary>
/// <example><c>Serializer = new SystemTextJsonSerializer(AppJson.Default)</c></example>
public sealed class SystemTextJsonSerializer : IPayloadSerializer
{
    private static readonly ArrayBufferWriter<byte> DetachedOutput = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Creates a serializer over <paramref name="options"/>.</summary>
    /// <param name="options">
    /// The serializer options. Options without a <see cref="JsonSerializerOptions.TypeInfoResolver"/> get the default
    /// (reflection-based) resolver, when the app allows reflection; they are made read-only here.
    /// </param>
    public SystemTextJsonSerializer(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsReadOnly)
        {
            options.TypeInfoResolver ??= ReflectionDefaults.Resolver;
            options.MakeReadOnly();
        }

        Options = options;
    }

    /// <summary>Creates a serializer with web defaults (camelCase, case-insensitive reading) over <paramref name="resolver"/>, typically a source-generated <c>JsonSerializerContext</c>.</summary>
    /// <param name="resolver">Where type metadata comes from.</param>
    public SystemTextJsonSerializer(IJsonTypeInfoResolver resolver)
        : this(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = resolver ?? throw new ArgumentNullException(nameof(resolver)) })
    {
    }

    /// <summary>
    /// A shared serializer with web defaults (camelCase, case-insensitive reading) and reflection-based metadata: the
    /// default when <see cref="RealtimeOptions.Serializer"/> is not set. Apps that trim or compile ahead of time set a
    /// source-generated context instead; without one, a type fails at first use with the runtime's own message.
    /// </summary>
    public static SystemTextJsonSerializer Default { get; } = new(ReflectionDefaults.Web);

    /// <summary>The serializer options (read-only).</summary>
    public JsonSerializerOptions Options { get; }

    /// <inheritdoc />
    public void Serialize<T>(IBufferWriter<byte> output, T value)
    {
        ArgumentNullException.ThrowIfNull(output);
        var typeInfo = (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
        // The writer escapes, not the options: a cached writer is reused only by a serializer with the same encoder.
        var writer = t_writer;
        if (writer is not null && writer.Options.Encoder == Options.Encoder)
        {
            t_writer = null; // a converter that serializes re-entrantly gets its own writer
            writer.Reset(output);
        }
        else
        {
            writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = Options.Encoder, SkipValidation = true });
        }

        try
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
            writer.Flush();
        }
        finally
        {
            writer.Reset(DetachedOutput);
            t_writer = writer;
        }
    }

    /// <inheritdoc />
    public T? Deserialize<T>(ReadOnlyMemory<byte> payload) =>
        JsonSerializer.Deserialize(payload.Span, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));
}

/// <summary>
/// The reflection-based System.Text.Json defaults, in one place. Reading them is marked unsafe for trimming because the
/// resolver uses reflection; the library only hands them to apps that configure no serializer of their own. When the app
/// disables reflection (trimmed or AOT builds do), the runtime gives an empty resolver instead, and serializing a type
/// fails with its own clear message rather than silently.
/// </summary>
internal static class ReflectionDefaults
{
    public static JsonSerializerOptions Web
    {
        [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only used when the app sets no serializer; documented on RealtimeOptions.Serializer.")]
        [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only used when the app sets no serializer; documented on RealtimeOptions.Serializer.")]
        get => JsonSerializerOptions.Web;
    }

    public static IJsonTypeInfoResolver? Resolver
    {
        [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only used for options the app left without a resolver.")]
        [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only used for options the app left without a resolver.")]
        get => JsonSerializerOptions.Default.TypeInfoResolver;
    }
}
