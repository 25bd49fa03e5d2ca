using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Testbed.Envelopes;

namespace Testbed.Defenses.Session;

/// <summary>
/// Strict codec of the session handshake payloads, version 1 (big-endian; docs/session-handshake.md). A buffer is
/// accepted only if it is the one canonical encoding of a hello or reply: exact key lengths, valid principal ids,
/// protection names in strictly ascending ordinal order, no trailing bytes.
/// </summary>
internal static class HandshakeCodec
{
    /// <summary>The payload format version this code reads and writes.</summary>
    public const byte Version = 1;

    /// <summary>Bytes in each side's random.</summary>
    public const int RandomLength = 32;

    /// <summary>Largest signature accepted.</summary>
    public const int MaxSignatureLength = 512;

    private const byte Magic0 = 0x53; // 'S'
    private const byte Magic1 = 0x48; // 'H'
    private const byte HelloType = 1;
    private const byte ReplyType = 2;

    /// <summary>Domain-separation label the initiator signs in front of the hello.</summary>
    public static ReadOnlySpan<byte> InitiatorLabel => "testbed-session/1 initiator\0"u8;

    /// <summary>Domain-separation label the responder signs in front of the transcript hash.</summary>
    public static ReadOnlySpan<byte> ResponderLabel => "testbed-session/1 responder\0"u8;

    /// <summary>The hello bytes up to (not including) the signature length: what the initiator signs.</summary>
    public static byte[] WriteHelloSignedPart(
        SessionKeyAgreement agreement, ReadOnlySpan<byte> ephemeral, ReadOnlySpan<byte> random, long timestampMs,
        string initiator, string responder, ProtectionSet offered, ProtectionSet required, int keyVersion)
    {
        var w = new ArrayBufferWriter<byte>(256);
        WriteStart(w, HelloType, agreement, ephemeral, random);
        BinaryPrimitives.WriteInt64BigEndian(w.GetSpan(8), timestampMs);
        w.Advance(8);
        WriteId(w, initiator);
        WriteId(w, responder);
        WriteSet(w, offered);
        WriteSet(w, required);
        WriteInt32(w, keyVersion);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>The reply bytes up to (not including) the signature length: what enters the signed transcript.</summary>
    public static byte[] WriteReplySignedPart(
        SessionKeyAgreement agreement, ReadOnlySpan<byte> ephemeral, ReadOnlySpan<byte> random, ProtectionSet chosen, int keyVersion)
    {
        var w = new ArrayBufferWriter<byte>(128);
        WriteStart(w, ReplyType, agreement, ephemeral, random);
        WriteSet(w, chosen);
        WriteInt32(w, keyVersion);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>A whole message: <paramref name="signedPart"/>, the u16 signature length, the signature.</summary>
    public static byte[] AppendSignature(ReadOnlySpan<byte> signedPart, ReadOnlySpan<byte> signature)
    {
        if (signature.Length is 0 or > MaxSignatureLength)
        {
            throw new ArgumentException($"a handshake signature is 1..{MaxSignatureLength} bytes", nameof(signature));
        }

        var bytes = new byte[signedPart.Length + 2 + signature.Length];
        signedPart.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(signedPart.Length), (ushort)signature.Length);
        signature.CopyTo(bytes.AsSpan(signedPart.Length + 2));
        return bytes;
    }

    /// <summary>Parses a hello; false for anything that is not a canonical v1 hello.</summary>
    public static bool TryReadHello(ReadOnlyMemory<byte> payload, [NotNullWhen(true)] out HandshakeHello? hello)
    {
        hello = null;
        var r = new Reader(payload.Span);
        if (!ReadStart(ref r, HelloType, out var agreement, out var ephemeral, out var random)
            || !r.TryInt64(out var timestamp)
            || !TryReadId(ref r, out var initiator)
            || !TryReadId(ref r, out var responder)
            || !TryReadSet(ref r, out var offered)
            || !TryReadSet(ref r, out var required)
            || !r.TryInt32(out var keyVersion))
        {
            return false;
        }

        var signedLength = r.Position;
        if (!TryReadSignature(ref r, out var signature))
        {
            return false;
        }

        var encoded = payload.ToArray();
        hello = new HandshakeHello(agreement, ephemeral, random, timestamp, initiator, responder, offered, required, keyVersion, signature, encoded, signedLength);
        return true;
    }

    /// <summary>Parses a reply; false for anything that is not a canonical v1 reply.</summary>
    public static bool TryReadReply(ReadOnlyMemory<byte> payload, [NotNullWhen(true)] out HandshakeReply? reply)
    {
        reply = null;
        var r = new Reader(payload.Span);
        if (!ReadStart(ref r, ReplyType, out var agreement, out var ephemeral, out var random)
            || !TryReadSet(ref r, out var chosen)
            || !r.TryInt32(out var keyVersion))
        {
            return false;
        }

        var signedLength = r.Position;
        if (!TryReadSignature(ref r, out var signature))
        {
            return false;
        }

        reply = new HandshakeReply(agreement, ephemeral, random, chosen, keyVersion, signature, payload.ToArray(), signedLength);
        return true;
    }

    private static void WriteStart(ArrayBufferWriter<byte> w, byte type, SessionKeyAgreement agreement, ReadOnlySpan<byte> ephemeral, ReadOnlySpan<byte> random)
    {
        if (ephemeral.Length != EphemeralKey.PublicKeyLength(agreement) || random.Length != RandomLength)
        {
            throw new ArgumentException("ephemeral key or random has the wrong length");
        }

        var span = w.GetSpan(6);
        span[0] = Magic0;
        span[1] = Magic1;
        span[2] = Version;
        span[3] = type;
        span[4] = (byte)agreement;
        span[5] = (byte)ephemeral.Length;
        w.Advance(6);
        w.Write(ephemeral);
        w.Write(random);
    }

    private static bool ReadStart(ref Reader r, byte type, out SessionKeyAgreement agreement, out byte[] ephemeral, out byte[] random)
    {
        agreement = default;
        ephemeral = random = [];
        if (!r.TryByte(out var m0) || m0 != Magic0 || !r.TryByte(out var m1) || m1 != Magic1
            || !r.TryByte(out var version) || version != Version
            || !r.TryByte(out var actualType) || actualType != type
            || !r.TryByte(out var agreementByte)
            || agreementByte is not ((byte)SessionKeyAgreement.P256 or (byte)SessionKeyAgreement.X25519 or (byte)SessionKeyAgreement.Static))
        {
            return false;
        }

        agreement = (SessionKeyAgreement)agreementByte;
        if (!r.TryByte(out var length) || length != EphemeralKey.PublicKeyLength(agreement)
            || !r.TryBytes(length, out var key) || !r.TryBytes(RandomLength, out var nonce))
        {
            return false;
        }

        ephemeral = key.ToArray();
        random = nonce.ToArray();
        return true;
    }

    private static bool TryReadSignature(ref Reader r, out byte[] signature)
    {
        signature = [];
        if (!r.TryUInt16(out var length) || length is 0 or > MaxSignatureLength || !r.TryBytes(length, out var bytes) || !r.AtEnd)
        {
            return false;
        }

        signature = bytes.ToArray();
        return true;
    }

    private static void WriteId(ArrayBufferWriter<byte> w, string id)
    {
        if (!PrincipalId.IsValid(id))
        {
            throw new ArgumentException($"'{id}' is not a principal id");
        }

        w.GetSpan(1)[0] = (byte)id.Length;
        w.Advance(1);
        w.Advance(Encoding.ASCII.GetBytes(id, w.GetSpan(id.Length)));
    }

    private static bool TryReadId(ref Reader r, out string id)
    {
        id = "";
        if (!r.TryByte(out var length) || !r.TryBytes(length, out var bytes) || !PrincipalId.IsValid(bytes))
        {
            return false;
        }

        id = Encoding.ASCII.GetString(bytes);
        return true;
    }

    private static void WriteSet(ArrayBufferWriter<byte> w, ProtectionSet set)
    {
        w.GetSpan(1)[0] = (byte)set.Count;
        w.Advance(1);
        foreach (var name in set.Names)
        {
            w.GetSpan(1)[0] = (byte)name.Length;
            w.Advance(1);
            w.Advance(Encoding.ASCII.GetBytes(name, w.GetSpan(name.Length)));
        }
    }

    private static bool TryReadSet(ref Reader r, out ProtectionSet set)
    {
        set = ProtectionSet.Empty;
        if (!r.TryByte(out var count) || count > ProtectionSet.MaxNames)
        {
            return false;
        }

        var names = new string[count];
        ReadOnlySpan<byte> previous = default;
        for (var i = 0; i < count; i++)
        {
            if (!r.TryByte(out var length) || length is 0 or > ProtectionSet.MaxNameLength || !r.TryBytes(length, out var bytes)
                || bytes.ContainsAnyExcept(NameBytes)
                || (i > 0 && previous.SequenceCompareTo(bytes) >= 0))
            {
                return false;
            }

            names[i] = Encoding.ASCII.GetString(bytes);
            previous = bytes;
        }

        set = ProtectionSet.FromCanonical(names);
        return true;
    }

    private static readonly SearchValues<byte> NameBytes = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-"u8);

    private static void WriteInt32(ArrayBufferWriter<byte> w, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(w.GetSpan(4), value);
        w.Advance(4);
    }

    /// <summary>A bounds-checked big-endian reader.</summary>
    private ref struct Reader(ReadOnlySpan<byte> buffer)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;

        public int Position { get; private set; }

        public readonly bool AtEnd => Position == _buffer.Length;

        public bool TryBytes(int count, out ReadOnlySpan<byte> bytes)
        {
            bytes = default;
            if (_buffer.Length - Position < count)
            {
                return false;
            }

            bytes = _buffer.Slice(Position, count);
            Position += count;
            return true;
        }

        public bool TryByte(out byte value)
        {
            value = 0;
            if (!TryBytes(1, out var b))
            {
                return false;
            }

            value = b[0];
            return true;
        }

        public bool TryUInt16(out ushort value)
        {
            value = 0;
            if (!TryBytes(2, out var b))
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(b);
            return true;
        }

        public bool TryInt32(out int value)
        {
            value = 0;
            if (!TryBytes(4, out var b))
            {
                return false;
            }

            value = BinaryPrimitives.ReadInt32BigEndian(b);
            return true;
        }

        public bool TryInt64(out long value)
        {
            value = 0;
            if (!TryBytes(8, out var b))
            {
                return false;
            }

            value = BinaryPrimitives.ReadInt64BigEndian(b);
            return true;
        }
    }
}
