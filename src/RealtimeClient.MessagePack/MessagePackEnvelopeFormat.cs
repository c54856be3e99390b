using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using MessagePack;
using RealtimeClient.Serialization;

namespace RealtimeClient.MessagePack;

/// <summary>
/// An <see cref="IEnvelopeFormat"/> for MessagePack: one MessagePack map per binary WebSocket message, with the message type
/// under <c>"type"</c> (a string, required), an optional string id under <c>"id"</c>, and an optional payload of any
/// MessagePack value under <c>"data"</c>. Pair it with <see cref="MessagePackPayloadSerializer"/>. Thread-safe.
/// </summary>
/// <remarks>
/// <para>Reading never throws for bad input (the connection reads on its receive loop): a message that is not a single
/// well-formed map with a string type is not an envelope, with the reason. Values are skipped without recursion, so
/// nesting of any depth cannot exhaust the stack. When a map repeats a key, the first occurrence counts; keys that are
/// not strings are ignored.</para>
/// <para>MessagePack-CSharp reads from memory, not from a span, so a message being read is copied once into a pooled
/// buffer.</para>
/// </remarks>
/// <example>
/// <code>
/// var options = new RealtimeOptions
/// {
///     Uri = new Uri("wss://example.com/ws"),
///     EnvelopeFormat = MessagePackEnvelopeFormat.Default,
///     Serializer = MessagePackPayloadSerializer.Default,
/// };
/// </code>
/// </example>
public sealed class MessagePackEnvelopeFormat : IEnvelopeFormat
{
    private static readonly byte[] Nil = [MessagePackCode.Nil];
    private static readonly ConcurrentDictionary<string, byte[][]> Paths = new(StringComparer.Ordinal);

    /// <summary>A shared instance (the format has no settings).</summary>
    public static MessagePackEnvelopeFormat Default { get; } = new();

    /// <inheritdoc />
    /// <value><see cref="MessageKind.Binary"/>: envelopes travel in binary messages.</value>
    public MessageKind MessageKind => MessageKind.Binary;

    /// <inheritdoc />
    /// <value>MessagePack nil.</value>
    public ReadOnlyMemory<byte> MissingPayload => Nil;

    private static ReadOnlySpan<byte> TypeKey => "type"u8;

    private static ReadOnlySpan<byte> IdKey => "id"u8;

    private static ReadOnlySpan<byte> DataKey => "data"u8;

    /// <inheritdoc />
    /// <returns><see langword="true"/> for binary messages only: text messages are published raw.</returns>
    public bool CanRead(MessageKind kind) => kind == MessageKind.Binary;

    /// <inheritdoc />
    public bool TryReadHeader(ReadOnlySpan<byte> message, out EnvelopeHeader header, [NotNullWhen(false)] out string? failure)
    {
        header = default;
        var copy = Rent(message);
        try
        {
            var reader = new MessagePackReader(copy.AsMemory(0, message.Length));
            if (reader.End || reader.NextMessagePackType != MessagePackType.Map)
            {
                failure = "The message is not a MessagePack map.";
                return false;
            }

            var count = reader.ReadMapHeader();
            string? type = null;
            string? id = null;
            bool typeSeen = false, idSeen = false;
            var payloadOffset = -1;
            var payloadLength = 0;
            for (var i = 0; i < count; i++)
            {
                var key = ReadEnvelopeKey(ref reader);
                if (!typeSeen && key == EnvelopeKey.Type)
                {
                    typeSeen = true;
                    type = ReadStringOrSkip(ref reader);
                }
                else if (!idSeen && key == EnvelopeKey.Id)
                {
                    idSeen = true;
                    id = ReadStringOrSkip(ref reader);
                }
                else if (payloadOffset < 0 && key == EnvelopeKey.Data)
                {
                    payloadOffset = checked((int)reader.Consumed);
                    SkipValue(ref reader);
                    payloadLength = checked((int)reader.Consumed) - payloadOffset;
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            if (!reader.End)
            {
                failure = "The message has bytes after its MessagePack map.";
                return false;
            }

            if (type is null)
            {
                failure = typeSeen ? "The 'type' entry is not a string." : "The message has no 'type' entry.";
                return false;
            }

            header = new EnvelopeHeader(type, id, payloadOffset, payloadLength);
            failure = null;
            return true;
        }
#pragma warning disable CA1031 // Bad input from the server is a reason, never an exception (see the remarks).
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = "The message is not well-formed MessagePack: " + ex.Message;
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <inheritdoc />
    /// <remarks>Strings are returned as they are, integers and floating-point numbers as invariant-culture text.</remarks>
    public bool TryReadValue(ReadOnlySpan<byte> message, string path, [NotNullWhen(true)] out string? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        value = null;
        var segments = Paths.GetOrAdd(path, static p => [.. p.Split('.').Select(Encoding.UTF8.GetBytes)]);
        var copy = Rent(message);
        try
        {
            var reader = new MessagePackReader(copy.AsMemory(0, message.Length));
            foreach (var segment in segments)
            {
                if (reader.End || reader.NextMessagePackType != MessagePackType.Map || !TryFindKey(ref reader, segment))
                {
                    return false;
                }
            }

            if (reader.End)
            {
                return false;
            }

            switch (reader.NextMessagePackType)
            {
                case MessagePackType.String:
                    value = reader.ReadString()!;
                    return true;
                case MessagePackType.Integer:
                    value = reader.NextCode is MessagePackCode.UInt64
                        ? reader.ReadUInt64().ToString(CultureInfo.InvariantCulture)
                        : reader.ReadInt64().ToString(CultureInfo.InvariantCulture);
                    return true;
                case MessagePackType.Float:
                    value = reader.ReadDouble().ToString("R", CultureInfo.InvariantCulture);
                    return true;
                default:
                    return false;
            }
        }
#pragma warning disable CA1031 // See TryReadHeader.
        catch (Exception)
#pragma warning restore CA1031
        {
            value = null;
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Writes a map of two entries (three with an id): <c>"type"</c>, <c>"id"</c>, then <c>"data"</c>, whose value
    /// <paramref name="serializer"/> writes; it must write exactly one MessagePack value (as
    /// <see cref="MessagePackPayloadSerializer"/> does).
    /// </remarks>
    public void WriteEnvelope<T>(IBufferWriter<byte> output, string type, string? id, T payload, IPayloadSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(serializer);
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(id is null ? 2 : 3);
        writer.WriteString(TypeKey);
        writer.Write(type);
        if (id is not null)
        {
            writer.WriteString(IdKey);
            writer.Write(id);
        }

        writer.WriteString(DataKey);
        writer.Flush();
        serializer.Serialize(output, payload);
    }

    /// <inheritdoc />
    public bool TryAttachId(ReadOnlySpan<byte> message, string id, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(output);
        int count;
        int entries;
        var copy = Rent(message);
        try
        {
            var reader = new MessagePackReader(copy.AsMemory(0, message.Length));
            if (reader.End || reader.NextMessagePackType != MessagePackType.Map)
            {
                return false;
            }

            count = reader.ReadMapHeader();
            entries = checked((int)reader.Consumed);
            for (var i = 0; i < count; i++)
            {
                if (ReadEnvelopeKey(ref reader) == EnvelopeKey.Id)
                {
                    return false; // the app's envelope has an id already
                }

                SkipValue(ref reader);
            }

            if (!reader.End)
            {
                return false;
            }
        }
#pragma warning disable CA1031 // See TryReadHeader.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }

        // A new map header with one more entry, the id first, then the original entries byte for byte.
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(count + 1);
        writer.WriteString(IdKey);
        writer.Write(id);
        writer.Flush();
        var rest = message[entries..];
        rest.CopyTo(output.GetSpan(rest.Length));
        output.Advance(rest.Length);
        return true;
    }

    private static byte[] Rent(ReadOnlySpan<byte> message)
    {
        var copy = ArrayPool<byte>.Shared.Rent(message.Length);
        message.CopyTo(copy);
        return copy;
    }

    // Reads a key: which of the envelope's own keys it is, if any (a key that is not a string is none of them).
    private static EnvelopeKey ReadEnvelopeKey(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            SkipValue(ref reader);
            return EnvelopeKey.Other;
        }

        if (!reader.TryReadStringSpan(out var key))
        {
            key = reader.ReadStringSequence()!.Value.ToArray(); // not contiguous: never the case for one message in memory
        }

        return key.SequenceEqual(TypeKey) ? EnvelopeKey.Type
            : key.SequenceEqual(IdKey) ? EnvelopeKey.Id
            : key.SequenceEqual(DataKey) ? EnvelopeKey.Data
            : EnvelopeKey.Other;
    }

    // Reads a key: whether it is the string expected.
    private static bool ReadKeyEquals(ref MessagePackReader reader, byte[] expected)
    {
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            SkipValue(ref reader);
            return false;
        }

        if (!reader.TryReadStringSpan(out var key))
        {
            key = reader.ReadStringSequence()!.Value.ToArray();
        }

        return key.SequenceEqual(expected);
    }

    // Positions the reader on the value of the first entry named key; false when the map has none.
    private static bool TryFindKey(ref MessagePackReader reader, byte[] key)
    {
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            if (ReadKeyEquals(ref reader, key))
            {
                return true;
            }

            SkipValue(ref reader);
        }

        return false;
    }

    private static string? ReadStringOrSkip(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType == MessagePackType.String)
        {
            return reader.ReadString();
        }

        SkipValue(ref reader);
        return null;
    }

    // Skips one value of any depth without recursion: containers add their entries to the count of values still to skip.
    private static void SkipValue(ref MessagePackReader reader)
    {
        long pending = 1;
        while (pending > 0)
        {
            pending--;
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Array:
                    pending += reader.ReadArrayHeader();
                    break;
                case MessagePackType.Map:
                    pending += 2L * reader.ReadMapHeader();
                    break;
                default:
                    reader.Skip(); // a scalar: no recursion
                    break;
            }
        }
    }

    private enum EnvelopeKey
    {
        Other,
        Type,
        Id,
        Data,
    }
}
