using System.Buffers;
using MessagePack;
using RealtimeClient.Serialization;

namespace RealtimeClient.MessagePack;

/// <summary>
/// An <see cref="IPayloadSerializer"/> on MessagePack-CSharp: typed sends, <c>On&lt;T&gt;</c>, <c>ReadAllAsync&lt;T&gt;</c>
/// and requests read and write their payloads with <see cref="MessagePackSerializerOptions"/>. Pair it with
/// <see cref="MessagePackEnvelopeFormat"/>. Thread-safe.
/// </summary>
/// <remarks>
/// <para>The default options are <see cref="MessagePackSerializerOptions.Standard"/> (the standard resolver: attributed
/// <c>[MessagePackObject]</c> types, primitives, collections) with <see cref="MessagePackSecurity.UntrustedData"/>, because
/// payloads come from a server: object graphs are bounded in depth and hash-based collections use collision-resistant
/// hashing. A payload that does not fit the requested type throws <see cref="MessagePackSerializationException"/>, which
/// the connection reports as <see cref="ErrorKind.DecodeFailed"/>.</para>
/// <para><b>Trimming and Native AOT.</b> The standard resolver builds the formatters of attributed types at run time with
/// <c>System.Reflection.Emit</c>, which Native AOT does not have, and trimming may remove the members it reflects over.
/// An app compiled ahead of time generates its formatters at build time instead (MessagePack-CSharp's <c>mpc</c> tool,
/// package MessagePack.Generator) and passes options whose resolver has no dynamic part, for example
/// <c>MessagePackSerializerOptions.Standard.WithResolver(CompositeResolver.Create(GeneratedResolver.Instance,
/// BuiltinResolver.Instance))</c> with <see cref="MessagePackSecurity.UntrustedData"/>. The envelope format itself uses
/// no reflection.</para>
/// </remarks>
/// <example><c>Serializer = new MessagePackPayloadSerializer(MessagePackSerializerOptions.Standard.WithResolver(myResolver))</c></example>
public sealed class MessagePackPayloadSerializer : IPayloadSerializer
{
    /// <summary>Creates a serializer over <paramref name="options"/>.</summary>
    /// <param name="options">The serializer options (default: <see langword="null"/>, <see cref="DefaultOptions"/>).</param>
    public MessagePackPayloadSerializer(MessagePackSerializerOptions? options = null)
    {
        Options = options ?? DefaultOptions;
    }

    /// <summary>The standard resolver, for data that is not trusted: <c>MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData)</c>.</summary>
    public static MessagePackSerializerOptions DefaultOptions { get; } = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>A shared serializer with <see cref="DefaultOptions"/>.</summary>
    public static MessagePackPayloadSerializer Default { get; } = new();

    /// <summary>The serializer options.</summary>
    public MessagePackSerializerOptions Options { get; }

    /// <inheritdoc />
    /// <remarks>Writes exactly one MessagePack value, as <see cref="MessagePackEnvelopeFormat"/> requires.</remarks>
    public void Serialize<T>(IBufferWriter<byte> output, T value)
    {
        ArgumentNullException.ThrowIfNull(output);
        MessagePackSerializer.Serialize(output, value, Options);
    }

    /// <inheritdoc />
    /// <exception cref="MessagePackSerializationException">The payload does not fit <typeparamref name="T"/>.</exception>
    public T? Deserialize<T>(ReadOnlyMemory<byte> payload) => MessagePackSerializer.Deserialize<T>(payload, Options);
}
