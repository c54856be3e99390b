using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RealtimeClient.Serialization;

/// <summary>
/// The default <see cref="IEnvelopeFormat"/>: one JSON object per text message, with the message type, an optional id and
/// an optional payload in properties named by <see cref="JsonEnvelopeOptions"/> (default:
/// <c>{"type": ..., "id": ..., "data": ...}</c>). Thread-safe.
/// </summary>
/// <remarks>
/// Reading scans the UTF-8 bytes once with <see cref="Utf8JsonReader"/>; type names are cached (the first 256 distinct
/// names of up to 64 characters), so reading an envelope allocates nothing beyond its id. When an envelope repeats a
/// property, the first occurrence counts.
/// </remarks>
public sealed class JsonEnvelopeFormat : IEnvelopeFormat
{
    private const int MaxCachedTypeLength = 64;
    private const int MaxCachedTypes = 256;
    private static readonly byte[] Null = "null"u8.ToArray();
    private static readonly ArrayBufferWriter<byte> DetachedOutput = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly byte[] _typeUtf8;
    private readonly byte[] _dataUtf8;
    private readonly byte[] _idUtf8;
    private readonly JsonEncodedText _typeName;
    private readonly JsonEncodedText _dataName;
    private readonly JsonEncodedText _idName;
    private readonly JsonReaderOptions _readerOptions;
    private readonly JsonWriterOptions _writerOptions;
    private readonly ConcurrentDictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _typesBySpan;
    private int _typeCount;

    /// <summary>Creates a format.</summary>
    /// <param name="options">The envelope's shape; <see langword="null"/> uses the defaults of <see cref="JsonEnvelopeOptions"/>.</param>
    /// <exception cref="ArgumentException">A property name is empty, or two of them are equal.</exception>
    public JsonEnvelopeFormat(JsonEnvelopeOptions? options = null)
    {
        options ??= new JsonEnvelopeOptions();
        ArgumentException.ThrowIfNullOrEmpty(options.TypePropertyName, nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(options.DataPropertyName, nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(options.IdPropertyName, nameof(options));
        if (string.Equals(options.TypePropertyName, options.DataPropertyName, StringComparison.Ordinal)
            || string.Equals(options.TypePropertyName, options.IdPropertyName, StringComparison.Ordinal)
            || string.Equals(options.DataPropertyName, options.IdPropertyName, StringComparison.Ordinal))
        {
            throw new ArgumentException("The type, data and id property names must differ.", nameof(options));
        }

        Options = options;
        _typeUtf8 = Encoding.UTF8.GetBytes(options.TypePropertyName);
        _dataUtf8 = Encoding.UTF8.GetBytes(options.DataPropertyName);
        _idUtf8 = Encoding.UTF8.GetBytes(options.IdPropertyName);
        _typeName = JsonEncodedText.Encode(options.TypePropertyName, JavaScriptEncoder.Default);
        _dataName = JsonEncodedText.Encode(options.DataPropertyName, JavaScriptEncoder.Default);
        _idName = JsonEncodedText.Encode(options.IdPropertyName, JavaScriptEncoder.Default);
        _readerOptions = new JsonReaderOptions
        {
            AllowTrailingCommas = options.AllowCommentsAndTrailingCommas,
            CommentHandling = options.AllowCommentsAndTrailingCommas ? JsonCommentHandling.Skip : JsonCommentHandling.Disallow,
        };
        _writerOptions = new JsonWriterOptions { SkipValidation = true };
        _typesBySpan = _types.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>A shared format with the default options.</summary>
    public static JsonEnvelopeFormat Default { get; } = new();

    /// <summary>The envelope's shape.</summary>
    public JsonEnvelopeOptions Options { get; }

    /// <inheritdoc />
    public MessageKind MessageKind => MessageKind.Text;

    /// <inheritdoc />
    public ReadOnlyMemory<byte> MissingPayload => Null;

    /// <inheritdoc />
    public bool CanRead(MessageKind kind) => kind == MessageKind.Text || Options.ReadBinaryMessages;

    /// <summary>
    /// Whether the message can be a JSON object at all: the first byte after whitespace opens one (or a comment, when they
    /// are allowed). Checked before the reader, which throws on anything else, and an exception costs far more than the
    /// read: plain text on a connection that also carries envelopes is common, and every message is read.
    /// </summary>
    private bool StartsLikeObject(ReadOnlySpan<byte> message)
    {
        var first = message.IndexOfAnyExcept(" \t\r\n"u8);
        return first >= 0 && (message[first] == (byte)'{' || (message[first] == (byte)'/' && Options.AllowCommentsAndTrailingCommas));
    }

    /// <inheritdoc />
    public bool TryReadHeader(ReadOnlySpan<byte> message, out EnvelopeHeader header, [NotNullWhen(false)] out string? failure)
    {
        header = default;
        if (!StartsLikeObject(message))
        {
            failure = "The message is not a JSON object.";
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(message, _readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                failure = "The message is not a JSON object.";
                return false;
            }

            string? type = null;
            string? id = null;
            var typeSeen = false;
            var idSeen = false;
            var payloadOffset = -1;
            var payloadLength = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!typeSeen && reader.ValueTextEquals(_typeUtf8))
                {
                    typeSeen = true;
                    type = ReadStringValue(ref reader, isType: true);
                }
                else if (!idSeen && reader.ValueTextEquals(_idUtf8))
                {
                    idSeen = true;
                    id = ReadStringValue(ref reader, isType: false);
                }
                else if (payloadOffset < 0 && reader.ValueTextEquals(_dataUtf8))
                {
                    reader.Read();
                    payloadOffset = (int)reader.TokenStartIndex;
                    reader.Skip();
                    payloadLength = (int)reader.BytesConsumed - payloadOffset;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            // Anything after the object is an error (the reader throws for it).
            while (reader.Read())
            {
            }

            if (type is null)
            {
                failure = typeSeen
                    ? $"The '{Options.TypePropertyName}' property is not a string."
                    : $"The message has no '{Options.TypePropertyName}' property.";
                return false;
            }

            header = new EnvelopeHeader(type, id, payloadOffset, payloadLength);
            failure = null;
            return true;
        }
        catch (JsonException ex)
        {
            failure = "The message is not well-formed JSON: " + ex.Message;
            return false;
        }
        catch (InvalidOperationException ex) when (ex.InnerException is DecoderFallbackException)
        {
            // The reader checks UTF-8 only when it decodes a string (binary messages are not validated by the socket).
            failure = "The message is not valid UTF-8: " + ex.Message;
            return false;
        }
    }

    /// <inheritdoc />
    public bool TryReadValue(ReadOnlySpan<byte> message, string path, [NotNullWhen(true)] out string? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        value = null;
        if (!StartsLikeObject(message))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(message, _readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var remaining = path.AsSpan();
            while (true)
            {
                var dot = remaining.IndexOf('.');
                var segment = dot < 0 ? remaining : remaining[..dot];
                var found = false;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var match = reader.ValueTextEquals(segment);
                    reader.Read();
                    if (match)
                    {
                        found = true;
                        break;
                    }

                    reader.Skip();
                }

                if (!found)
                {
                    return false;
                }

                if (dot < 0)
                {
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.String:
                            value = reader.GetString()!;
                            return true;
                        case JsonTokenType.Number:
                            value = Encoding.UTF8.GetString(reader.ValueSpan);
                            return true;
                        default:
                            return false;
                    }
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                remaining = remaining[(dot + 1)..];
            }
        }
        catch (Exception ex) when (ex is JsonException || (ex is InvalidOperationException && ex.InnerException is DecoderFallbackException))
        {
            value = null;
            return false;
        }
    }

    /// <inheritdoc />
    public void WriteEnvelope<T>(IBufferWriter<byte> output, string type, string? id, T payload, IPayloadSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(serializer);
        var writer = RentWriter(output);
        try
        {
            // {"type":"...","id":"...","data":   then the serializer's value, then }
            writer.WriteStartObject();
            writer.WriteString(_typeName, type);
            if (id is not null)
            {
                writer.WriteString(_idName, id);
            }

            writer.WritePropertyName(_dataName);
            writer.Flush();
        }
        finally
        {
            ReturnWriter(writer);
        }

        serializer.Serialize(output, payload);
        Write(output, "}"u8);
    }

    /// <inheritdoc />
    public bool TryAttachId(ReadOnlySpan<byte> message, string id, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(output);
        int open;
        bool empty;
        if (!StartsLikeObject(message))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(message, _readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            open = (int)reader.TokenStartIndex;
            empty = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                empty = false;
                if (reader.ValueTextEquals(_idUtf8))
                {
                    return false;
                }

                reader.Read();
                reader.Skip();
            }

            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return false;
        }

        // {  "id":  "<escaped id>"  ,  rest of the object
        Write(output, message[..(open + 1)]);
        var name = _idName.EncodedUtf8Bytes;
        var span = output.GetSpan(name.Length + 3);
        span[0] = (byte)'"';
        name.CopyTo(span[1..]);
        span[name.Length + 1] = (byte)'"';
        span[name.Length + 2] = (byte)':';
        output.Advance(name.Length + 3);
        var writer = RentWriter(output);
        try
        {
            writer.WriteStringValue(id);
            writer.Flush();
        }
        finally
        {
            ReturnWriter(writer);
        }

        if (!empty)
        {
            Write(output, ","u8);
        }

        Write(output, message[(open + 1)..]);
        return true;
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    // After a property name: reads its value as a string (a type through the interned cache), or skips a value of any other kind.
    private string? ReadStringValue(ref Utf8JsonReader reader, bool isType)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return isType ? ReadType(ref reader) : reader.GetString();
        }

        reader.Skip();
        return null;
    }

    // Type names are a small vocabulary: hand out one string instance per name instead of allocating per message.
    private string ReadType(ref Utf8JsonReader reader)
    {
        var byteLength = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (byteLength > MaxCachedTypeLength)
        {
            return reader.GetString()!;
        }

        Span<char> chars = stackalloc char[MaxCachedTypeLength];
        var written = reader.CopyString(chars);
        var name = chars[..written];
        if (_typesBySpan.TryGetValue(name, out var cached))
        {
            return cached;
        }

        var text = name.ToString();
        if (Volatile.Read(ref _typeCount) < MaxCachedTypes && _types.TryAdd(text, text))
        {
            Interlocked.Increment(ref _typeCount);
        }

        return text;
    }

    private Utf8JsonWriter RentWriter(IBufferWriter<byte> output)
    {
        var writer = t_writer;
        if (writer is not null)
        {
            t_writer = null; // re-entrant use (a serializer writing an envelope) gets its own writer
            writer.Reset(output);
            return writer;
        }

        return new Utf8JsonWriter(output, _writerOptions);
    }

    private static void ReturnWriter(Utf8JsonWriter writer)
    {
        writer.Reset(DetachedOutput); // drop the reference to the caller's buffer
        t_writer = writer;
    }
}
