using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Testbed.Envelopes;

/// <summary>
/// Strict codec for the v1 binary envelope format (big-endian; see docs/envelope-format.md).
/// The encoding is canonical: every envelope has exactly one encoding, and every buffer that
/// <see cref="TryDecode"/> accepts re-encodes to the same bytes.
/// </summary>
public static partial class EnvelopeCodec
{
    /// <summary>Largest payload, in bytes (1 MiB).</summary>
    public const int MaxPayloadBytes = 1 << 20;

    /// <summary>Largest tag, in bytes.</summary>
    public const int MaxTagBytes = 512;

    /// <summary>Bytes before the sender field (or before the in-reply-to field): magic, version, kind, flags, sequence, timestamp.</summary>
    public const int FixedPrefixLength = 22;

    /// <summary>Flags bit 0: an 8-byte in-reply-to sequence follows the timestamp (<see cref="Envelope.InReplyTo"/> is not 0).</summary>
    public const byte ReplyToFlag = 0x01;

    /// <summary>Bytes of the in-reply-to field, present only when <see cref="ReplyToFlag"/> is set.</summary>
    public const int ReplyToLength = 8;

    /// <summary>Smallest valid encoding: 1-byte sender and recipient, empty key id, payload and tag.</summary>
    public const int MinEncodedLength = FixedPrefixLength + (1 + 1) + (1 + 1) + 1 + 4 + 2;

    private const byte Magic0 = 0x54; // 'T'
    private const byte Magic1 = 0x42; // 'B'
    private const int VersionOffset = 2;
    private const int KindOffset = 3;
    private const int FlagsOffset = 5;
    private const int SequenceOffset = 6;
    private const int TimestampOffset = 14;

    /// <summary>Length of <see cref="Encode(Envelope)"/>'s output. Throws <see cref="ArgumentException"/> if a field is invalid.</summary>
    public static int GetEncodedLength(Envelope e)
    {
        Validate(e);
        return HeaderLengthOf(e) + 2 + e.Tag.Length;
    }

    /// <summary>Length of <see cref="EncodeHeader(Envelope)"/>'s output. Throws <see cref="ArgumentException"/> if a field is invalid.</summary>
    public static int GetHeaderLength(Envelope e)
    {
        Validate(e);
        return HeaderLengthOf(e);
    }

    /// <summary>Encodes <paramref name="e"/>. Throws <see cref="ArgumentException"/> if a field is invalid.</summary>
    public static byte[] Encode(Envelope e)
    {
        Validate(e);
        var bytes = new byte[HeaderLengthOf(e) + 2 + e.Tag.Length];
        WriteTag(e, bytes, WriteHeader(e, bytes));
        return bytes;
    }

    /// <summary>
    /// Encodes <paramref name="e"/> into <paramref name="destination"/> and returns the bytes written.
    /// Throws <see cref="ArgumentException"/> if a field is invalid or the destination is too small.
    /// </summary>
    public static int Encode(Envelope e, Span<byte> destination)
    {
        Validate(e);
        int length = HeaderLengthOf(e) + 2 + e.Tag.Length;
        EnsureRoom(destination, length);
        return WriteTag(e, destination, WriteHeader(e, destination));
    }

    /// <summary>
    /// The header: every byte of the encoding up to and including the payload bytes, i.e. the encoding
    /// without the trailing tag length and tag. This is what a signature or MAC covers.
    /// Throws <see cref="ArgumentException"/> if a field is invalid.
    /// </summary>
    public static byte[] EncodeHeader(Envelope e)
    {
        Validate(e);
        var bytes = new byte[HeaderLengthOf(e)];
        WriteHeader(e, bytes);
        return bytes;
    }

    /// <summary>
    /// Writes the header (see <see cref="EncodeHeader(Envelope)"/>) into <paramref name="destination"/> and returns the bytes written.
    /// Throws <see cref="ArgumentException"/> if a field is invalid or the destination is too small.
    /// </summary>
    public static int EncodeHeader(Envelope e, Span<byte> destination)
    {
        Validate(e);
        EnsureRoom(destination, HeaderLengthOf(e));
        return WriteHeader(e, destination);
    }

    /// <summary>
    /// Decodes a whole buffer. Never throws. On failure <paramref name="error"/> says what was wrong and at which offset.
    /// Payload and tag are copied, so the buffer may be reused afterwards.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> buffer, [NotNullWhen(true)] out Envelope? envelope, out EnvelopeError error) =>
        TryDecode(buffer, owner: null, out envelope, out error);

    /// <summary>
    /// Decodes a frame the caller owns and will never modify (e.g. an array just received from Orleans): payload and tag
    /// are slices of <paramref name="frame"/> instead of copies. Never throws; same validation as the span overload.
    /// </summary>
    public static bool TryDecodeOwned(byte[] frame, [NotNullWhen(true)] out Envelope? envelope, out EnvelopeError error)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return TryDecode(frame, frame, out envelope, out error);
    }

    private static bool TryDecode(ReadOnlySpan<byte> buffer, byte[]? owner, [NotNullWhen(true)] out Envelope? envelope, out EnvelopeError error)
    {
        envelope = null;
        if (buffer.Length < MinEncodedLength)
        {
            return Fail(out error, EnvelopeErrorCode.TooShort, 0, "buffer is shorter than the smallest envelope");
        }

        if (buffer[0] != Magic0)
        {
            return Fail(out error, EnvelopeErrorCode.BadMagic, 0, "magic is not 'TB'");
        }

        if (buffer[1] != Magic1)
        {
            return Fail(out error, EnvelopeErrorCode.BadMagic, 1, "magic is not 'TB'");
        }

        byte version = buffer[VersionOffset];
        if (version != Envelope.CurrentVersion)
        {
            return Fail(out error, EnvelopeErrorCode.UnsupportedVersion, VersionOffset, "version is not 1");
        }

        ushort kind = BinaryPrimitives.ReadUInt16BigEndian(buffer.Slice(KindOffset));
        if (!IsDefinedKind(kind))
        {
            return Fail(out error, EnvelopeErrorCode.UnknownKind, KindOffset, "kind is not a defined EnvelopeKind");
        }

        byte flags = buffer[FlagsOffset];
        if ((flags & ~ReplyToFlag) != 0)
        {
            return Fail(out error, EnvelopeErrorCode.ReservedFlags, FlagsOffset, "flags other than reply-to (0x01) must be 0 in version 1");
        }

        ulong sequence = BinaryPrimitives.ReadUInt64BigEndian(buffer.Slice(SequenceOffset));
        long timestampMs = BinaryPrimitives.ReadInt64BigEndian(buffer.Slice(TimestampOffset));

        int p = FixedPrefixLength;
        ulong inReplyTo = 0;
        if ((flags & ReplyToFlag) != 0)
        {
            if (buffer.Length - p < ReplyToLength)
            {
                return Fail(out error, EnvelopeErrorCode.Truncated, p, "in-reply-to runs past the end");
            }

            inReplyTo = BinaryPrimitives.ReadUInt64BigEndian(buffer.Slice(p));
            if (inReplyTo == 0)
            {
                return Fail(out error, EnvelopeErrorCode.ZeroReplyTo, p, "in-reply-to is 0 while the reply-to flag is set");
            }

            p += ReplyToLength;
        }

        if (!TryReadId(buffer, ref p, isKeyId: false, out ReadOnlySpan<byte> sender, out error)
            || !TryReadId(buffer, ref p, isKeyId: false, out ReadOnlySpan<byte> recipient, out error)
            || !TryReadId(buffer, ref p, isKeyId: true, out ReadOnlySpan<byte> keyId, out error))
        {
            return false;
        }

        if (buffer.Length - p < 4)
        {
            return Fail(out error, EnvelopeErrorCode.Truncated, p, "payload length runs past the end");
        }

        uint payloadLength = BinaryPrimitives.ReadUInt32BigEndian(buffer.Slice(p));
        if (payloadLength > MaxPayloadBytes)
        {
            return Fail(out error, EnvelopeErrorCode.PayloadTooLarge, p, "payload length exceeds MaxPayloadBytes");
        }

        p += 4;
        if ((uint)(buffer.Length - p) < payloadLength)
        {
            return Fail(out error, EnvelopeErrorCode.Truncated, p, "payload runs past the end");
        }

        int payloadStart = p;
        ReadOnlySpan<byte> payload = buffer.Slice(p, (int)payloadLength);
        p += (int)payloadLength;

        if (buffer.Length - p < 2)
        {
            return Fail(out error, EnvelopeErrorCode.Truncated, p, "tag length runs past the end");
        }

        ushort tagLength = BinaryPrimitives.ReadUInt16BigEndian(buffer.Slice(p));
        if (tagLength > MaxTagBytes)
        {
            return Fail(out error, EnvelopeErrorCode.TagTooLarge, p, "tag length exceeds MaxTagBytes");
        }

        p += 2;
        if (buffer.Length - p < tagLength)
        {
            return Fail(out error, EnvelopeErrorCode.Truncated, p, "tag runs past the end");
        }

        int tagStart = p;
        ReadOnlySpan<byte> tag = buffer.Slice(p, tagLength);
        p += tagLength;

        if (p != buffer.Length)
        {
            return Fail(out error, EnvelopeErrorCode.TrailingBytes, p, "bytes follow the tag");
        }

        envelope = new Envelope
        {
            Version = version,
            Kind = (EnvelopeKind)kind,
            Sender = Encoding.ASCII.GetString(sender),
            Recipient = Encoding.ASCII.GetString(recipient),
            Sequence = sequence,
            TimestampMs = timestampMs,
            InReplyTo = inReplyTo,
            KeyId = keyId.IsEmpty ? "" : Encoding.ASCII.GetString(keyId),
            Payload = owner is null ? payload.ToArray() : new ReadOnlyMemory<byte>(owner, payloadStart, payload.Length),
            Tag = owner is null ? tag.ToArray() : new ReadOnlyMemory<byte>(owner, tagStart, tag.Length),
        };
        error = EnvelopeError.None;
        return true;
    }

    /// <summary>Decodes a whole buffer; throws <see cref="EnvelopeFormatException"/> if it is not a valid envelope.</summary>
    public static Envelope Decode(ReadOnlySpan<byte> buffer) =>
        TryDecode(buffer, out Envelope? envelope, out EnvelopeError error)
            ? envelope
            : throw new EnvelopeFormatException(error);

    private static bool IsDefinedKind(ushort kind) => kind is >= 1 and <= 12 or 15;

    /// <summary>Reads a u8-length-prefixed id at <paramref name="p"/> and advances past it.</summary>
    private static bool TryReadId(
        ReadOnlySpan<byte> buffer, ref int p, bool isKeyId, out ReadOnlySpan<byte> value, out EnvelopeError error)
    {
        value = default;
        if (p >= buffer.Length)
        {
            return Fail(out error, EnvelopeErrorCode.Truncated, p, "identifier length runs past the end");
        }

        int length = buffer[p];
        if (length > (isKeyId ? PrincipalId.MaxKeyIdLength : PrincipalId.MaxLength))
        {
            return Fail(out error, EnvelopeErrorCode.FieldTooLong, p, "identifier is longer than 64 bytes");
        }

        if (length == 0 && !isKeyId)
        {
            return Fail(out error, EnvelopeErrorCode.InvalidIdentifier, p, "principal id is empty");
        }

        int start = p + 1;
        if (buffer.Length - start < length)
        {
            return Fail(out error, EnvelopeErrorCode.Truncated, start, "identifier runs past the end");
        }

        value = buffer.Slice(start, length);
        int bad = isKeyId ? PrincipalId.IndexOfInvalidKeyIdByte(value) : PrincipalId.IndexOfInvalidPrincipalByte(value);
        if (bad >= 0)
        {
            value = default;
            return Fail(out error, EnvelopeErrorCode.InvalidIdentifier, start + bad, "identifier holds a disallowed byte");
        }

        p = start + length;
        error = EnvelopeError.None;
        return true;
    }

    private static bool Fail(out EnvelopeError error, EnvelopeErrorCode code, int offset, string message)
    {
        error = new EnvelopeError(code, offset, message);
        return false;
    }

    private static void EnsureRoom(Span<byte> destination, int needed)
    {
        if (destination.Length < needed)
        {
            throw new ArgumentException($"Destination holds {destination.Length} bytes; {needed} are needed.", nameof(destination));
        }
    }

    /// <summary>Header length of an already validated envelope.</summary>
    private static int HeaderLengthOf(Envelope e) =>
        FixedPrefixLength + (e.InReplyTo == 0 ? 0 : ReplyToLength) + 1 + e.Sender.Length + 1 + e.Recipient.Length + 1 + e.KeyId.Length + 4 + e.Payload.Length;

    /// <summary>Writes the header of a validated envelope; returns the offset after it.</summary>
    private static int WriteHeader(Envelope e, Span<byte> d)
    {
        d[0] = Magic0;
        d[1] = Magic1;
        d[VersionOffset] = e.Version;
        BinaryPrimitives.WriteUInt16BigEndian(d.Slice(KindOffset), (ushort)e.Kind);
        d[FlagsOffset] = e.InReplyTo == 0 ? (byte)0 : ReplyToFlag;
        BinaryPrimitives.WriteUInt64BigEndian(d.Slice(SequenceOffset), e.Sequence);
        BinaryPrimitives.WriteInt64BigEndian(d.Slice(TimestampOffset), e.TimestampMs);

        int p = FixedPrefixLength;
        if (e.InReplyTo != 0)
        {
            BinaryPrimitives.WriteUInt64BigEndian(d.Slice(p), e.InReplyTo);
            p += ReplyToLength;
        }
        p = WriteId(d, p, e.Sender);
        p = WriteId(d, p, e.Recipient);
        p = WriteId(d, p, e.KeyId);

        ReadOnlySpan<byte> payload = e.Payload.Span;
        BinaryPrimitives.WriteUInt32BigEndian(d.Slice(p), (uint)payload.Length);
        p += 4;
        payload.CopyTo(d.Slice(p));
        return p + payload.Length;
    }

    /// <summary>Writes the tag length and tag at <paramref name="p"/>; returns the offset after them.</summary>
    private static int WriteTag(Envelope e, Span<byte> d, int p)
    {
        ReadOnlySpan<byte> tag = e.Tag.Span;
        BinaryPrimitives.WriteUInt16BigEndian(d.Slice(p), (ushort)tag.Length);
        p += 2;
        tag.CopyTo(d.Slice(p));
        return p + tag.Length;
    }

    private static int WriteId(Span<byte> d, int p, string id)
    {
        d[p] = (byte)id.Length;
        return p + 1 + Encoding.ASCII.GetBytes(id, d.Slice(p + 1));
    }
}
