using System.Buffers.Binary;
using System.Text;
using CsCheck;
using Testbed.Envelopes;
using Xunit;

namespace Testbed.Tests.Envelopes;

public sealed class EnvelopeCodecTests
{
    private const string PrincipalChars = "abcdefghijklmnopqrstuvwxyz0123456789._/-";
    private const string KeyIdChars = PrincipalChars + "ABCDEFGHIJKLMNOPQRSTUVWXYZ:+=";
    private static readonly EnvelopeKind[] Kinds = Enum.GetValues<EnvelopeKind>();

    private static Gen<string> GenId(string chars, int min, int max) =>
        Gen.Char[chars].Array[min, max].Select(a => new string(a));

    private static readonly Gen<Envelope> GenEnvelope = Gen.Select(
        Gen.Int[0, Kinds.Length - 1], GenId(PrincipalChars, 1, 64), GenId(PrincipalChars, 1, 64), GenId(KeyIdChars, 0, 64),
        Gen.ULong, Gen.Long, Gen.Byte.Array[0, 2048], Gen.Byte.Array[0, EnvelopeCodec.MaxTagBytes],
        (k, sender, recipient, keyId, seq, ts, payload, tag) => new Envelope
        {
            Kind = Kinds[k], Sender = sender, Recipient = recipient, KeyId = keyId,
            Sequence = seq, TimestampMs = ts, Payload = payload, Tag = tag,
        });

    internal static Envelope Sample(EnvelopeKind kind = EnvelopeKind.Order) => new()
    {
        Kind = kind, Sender = "alice", Recipient = "bank/ledger-1", Sequence = 42, TimestampMs = 1_700_000_000_123,
        KeyId = "alice:K1+=", Payload = new byte[] { 1, 2, 3, 4, 5 }, Tag = new byte[] { 9, 8, 7 },
    };

    private static void AssertRoundTrips(Envelope e)
    {
        byte[] bytes = EnvelopeCodec.Encode(e);
        Assert.Equal(EnvelopeCodec.GetEncodedLength(e), bytes.Length);
        Assert.True(EnvelopeCodec.TryDecode(bytes, out Envelope? decoded, out EnvelopeError error), error.ToString());
        Assert.Equal(EnvelopeError.None, error);
        Assert.True(e.ContentEquals(decoded));
        Assert.Equal(bytes, EnvelopeCodec.Encode(decoded));
        Assert.Equal(bytes.AsSpan(0, EnvelopeCodec.GetHeaderLength(e)).ToArray(), EnvelopeCodec.EncodeHeader(decoded));
    }

    /// <summary>A buffer TryDecode accepts must be the canonical encoding of what it decoded; otherwise a sane error.</summary>
    private static void AssertDecodesCanonicallyOrFails(byte[] buffer)
    {
        if (EnvelopeCodec.TryDecode(buffer, out Envelope? decoded, out EnvelopeError error))
        {
            Assert.Equal(buffer, EnvelopeCodec.Encode(decoded));
        }
        else
        {
            Assert.NotEqual(EnvelopeErrorCode.None, error.Code);
            Assert.InRange(error.Offset, 0, buffer.Length);
            Assert.False(string.IsNullOrEmpty(error.Message));
        }
    }

    [Fact]
    public void EncodesTheDocumentedByteLayout()
    {
        var e = new Envelope
        {
            Kind = EnvelopeKind.Debit, Sender = "a", Recipient = "b.c", Sequence = 0x0102030405060708, TimestampMs = -2,
            KeyId = "K:1", Payload = new byte[] { 0xAA, 0xBB }, Tag = new byte[] { 0xCC },
        };
        Assert.Equal(
            "5442" + "01" + "0003" + "00" + "0102030405060708" + "FFFFFFFFFFFFFFFE" + "0161" + "03622E63" + "034B3A31"
            + "00000002AABB" + "0001CC",
            Convert.ToHexString(EnvelopeCodec.Encode(e)));
        Assert.Equal("5442" + "01" + "0003" + "00" + "0102030405060708" + "FFFFFFFFFFFFFFFE" + "0161" + "03622E63" + "034B3A31"
            + "00000002AABB", Convert.ToHexString(EnvelopeCodec.EncodeHeader(e)));
    }

    public static TheoryData<EnvelopeKind> AllKinds() => new(Kinds);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void EachKindRoundTrips(EnvelopeKind kind) => AssertRoundTrips(Sample(kind));

    [Theory]
    [InlineData(1, 1, 0, 0, 0)]
    [InlineData(64, 64, 64, EnvelopeCodec.MaxPayloadBytes, EnvelopeCodec.MaxTagBytes)]
    [InlineData(1, 64, 1, 1, 1)]
    [InlineData(2, 3, 0, 65_536, 0)]
    public void EdgeSizesRoundTrip(int senderLen, int recipientLen, int keyIdLen, int payloadLen, int tagLen)
    {
        var rng = new Random(senderLen * 31 + payloadLen);
        var e = new Envelope
        {
            Kind = EnvelopeKind.Rejected, Sender = new string('s', senderLen), Recipient = new string('r', recipientLen),
            KeyId = new string('K', keyIdLen), Sequence = ulong.MaxValue, TimestampMs = long.MinValue,
            Payload = RandomBytes(rng, payloadLen), Tag = RandomBytes(rng, tagLen),
        };
        Assert.Equal(22 + 1 + senderLen + 1 + recipientLen + 1 + keyIdLen + 4 + payloadLen + 2 + tagLen, EnvelopeCodec.GetEncodedLength(e));
        AssertRoundTrips(e);
        if (payloadLen == 0 && tagLen == 0 && senderLen == 1 && recipientLen == 1)
        {
            Assert.Equal(EnvelopeCodec.MinEncodedLength, EnvelopeCodec.GetEncodedLength(e));
        }
    }

    [Fact]
    public void RandomValidEnvelopesRoundTripExactly() => GenEnvelope.Sample(AssertRoundTrips, iter: 1000);

    [Fact]
    public void EncodeIntoSpanWritesTheSameBytesAndRejectsSmallDestinations()
    {
        Envelope e = Sample();
        byte[] expected = EnvelopeCodec.Encode(e);
        var big = new byte[expected.Length + 10];
        Assert.Equal(expected.Length, EnvelopeCodec.Encode(e, big));
        Assert.Equal(expected, big.AsSpan(0, expected.Length).ToArray());
        Assert.All(big[expected.Length..], b => Assert.Equal(0, b));

        var small = new byte[expected.Length - 1];
        Assert.Throws<ArgumentException>(() => EnvelopeCodec.Encode(e, small));
        Assert.All(small, b => Assert.Equal(0, b));
        var smallHeader = new byte[EnvelopeCodec.GetHeaderLength(e) - 1];
        Assert.Throws<ArgumentException>(() => EnvelopeCodec.EncodeHeader(e, smallHeader));
        var header = new byte[EnvelopeCodec.GetHeaderLength(e)];
        Assert.Equal(header.Length, EnvelopeCodec.EncodeHeader(e, header));
        Assert.Equal(EnvelopeCodec.EncodeHeader(e), header);
    }

    [Theory]
    [InlineData("version-0")] [InlineData("version-2")] [InlineData("kind-0")] [InlineData("kind-13")] [InlineData("kind-max")]
    [InlineData("sender-empty")] [InlineData("sender-65")] [InlineData("sender-upper")] [InlineData("sender-non-ascii")]
    [InlineData("sender-null")] [InlineData("recipient-space")] [InlineData("recipient-colon")] [InlineData("keyid-65")]
    [InlineData("keyid-hash")] [InlineData("keyid-null")] [InlineData("payload-too-large")] [InlineData("tag-too-large")]
    public void EncodeRejectsInvalidFields(string field)
    {
        Envelope ok = Sample();
        Envelope bad = field switch
        {
            "version-0" => ok with { Version = 0 },
            "version-2" => ok with { Version = 2 },
            "kind-0" => ok with { Kind = 0 },
            "kind-13" => ok with { Kind = (EnvelopeKind)13 },
            "kind-max" => ok with { Kind = (EnvelopeKind)ushort.MaxValue },
            "sender-empty" => ok with { Sender = "" },
            "sender-65" => ok with { Sender = new string('a', 65) },
            "sender-upper" => ok with { Sender = "Alice" },
            "sender-non-ascii" => ok with { Sender = "alicé" },
            "sender-null" => ok with { Sender = null! },
            "recipient-space" => ok with { Recipient = "bank ledger" },
            "recipient-colon" => ok with { Recipient = "bank:ledger" },
            "keyid-65" => ok with { KeyId = new string('K', 65) },
            "keyid-hash" => ok with { KeyId = "k#1" },
            "keyid-null" => ok with { KeyId = null! },
            "payload-too-large" => ok with { Payload = new byte[EnvelopeCodec.MaxPayloadBytes + 1] },
            "tag-too-large" => ok with { Tag = new byte[EnvelopeCodec.MaxTagBytes + 1] },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
        Assert.ThrowsAny<ArgumentException>(() => EnvelopeCodec.Encode(bad));
        Assert.ThrowsAny<ArgumentException>(() => EnvelopeCodec.Encode(bad, new byte[2 * EnvelopeCodec.MaxPayloadBytes]));
        Assert.ThrowsAny<ArgumentException>(() => EnvelopeCodec.EncodeHeader(bad));
        Assert.ThrowsAny<ArgumentException>(() => EnvelopeCodec.GetEncodedLength(bad));
    }

    [Fact]
    public void DecodeAcceptsExactlyTheDefinedKinds()
    {
        byte[] bytes = EnvelopeCodec.Encode(Sample());
        for (int k = 0; k <= ushort.MaxValue; k++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(3), (ushort)k);
            bool ok = EnvelopeCodec.TryDecode(bytes, out Envelope? decoded, out EnvelopeError error);
            Assert.Equal(Enum.IsDefined((EnvelopeKind)k), ok);
            if (ok)
            {
                Assert.Equal((EnvelopeKind)k, decoded!.Kind);
            }
            else
            {
                Assert.Equal(EnvelopeErrorCode.UnknownKind, error.Code);
                Assert.Equal(3, error.Offset);
            }
        }
    }

    // ---- hand-made wire buffers ----
    private static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    private static byte[] U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16BigEndian(b, v); return b; }
    private static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); return b; }
    private static byte[] Id(string s) => Cat([(byte)s.Length], Encoding.ASCII.GetBytes(s));
    private static byte[] Raw(params byte[] bytes) => bytes;
    private static byte[] RandomBytes(Random rng, int n) { var b = new byte[n]; rng.NextBytes(b); return b; }

    /// <summary>22-byte fixed prefix: magic, version, kind, flags, sequence 7, timestamp 1000.</summary>
    private static byte[] Head(byte m0 = 0x54, byte m1 = 0x42, byte version = 1, ushort kind = 1, byte flags = 0) =>
        Cat([m0, m1, version], U16(kind), [flags], [0, 0, 0, 0, 0, 0, 0, 7], [0, 0, 0, 0, 0, 0, 0x03, 0xE8]);

    /// <summary>Baseline (44 bytes): head 0..21, sender "alice" 22..27, recipient "bob" 28..31, keyId "" 32,
    /// payload length 33..36 + 3 bytes 37..39, tag length 40..41 + 2 bytes 42..43.</summary>
    private static byte[] Wire(byte[]? head = null, byte[]? sender = null, byte[]? recipient = null, byte[]? keyId = null,
        byte[]? payload = null, byte[]? tag = null, byte[]? trailing = null) =>
        Cat(head ?? Head(), sender ?? Id("alice"), recipient ?? Id("bob"), keyId ?? Id(""),
            payload ?? Cat(U32(3), [1, 2, 3]), tag ?? Cat(U16(2), [4, 5]), trailing ?? []);

    [Fact]
    public void AReplyCarriesTheRequestItAnswersInTheHeader()
    {
        // Flags bit 0 announces an 8-byte in-reply-to right after the timestamp; the ids then start at offset 30.
        var frame = Cat(Head(kind: 2, flags: 1), [0, 0, 0, 0, 0, 0, 0x01, 0x02], Id("bob"), Id("alice"), Id(""), U32(0), U16(0));
        var reply = EnvelopeCodec.Decode(frame);
        Assert.Equal((EnvelopeKind.OrderReply, 0x0102UL, "bob", "alice"), (reply.Kind, reply.InReplyTo, reply.Sender, reply.Recipient));
        Assert.Equal(frame, EnvelopeCodec.Encode(reply));
        Assert.Equal(frame.Length - 2, EnvelopeCodec.GetHeaderLength(reply)); // covered by any tag over the header
        var request = reply with { InReplyTo = 0 };
        Assert.Equal(frame.Length - 8, EnvelopeCodec.GetEncodedLength(request));
        Assert.Equal(0, EnvelopeCodec.Encode(request)[5]);
    }

    [Fact]
    public void HandMadeBaselineDecodes()
    {
        Envelope e = EnvelopeCodec.Decode(Wire());
        Assert.Equal((EnvelopeKind.Order, "alice", "bob", "", 7UL, 1000L), (e.Kind, e.Sender, e.Recipient, e.KeyId, e.Sequence, e.TimestampMs));
        Assert.Equal(new byte[] { 1, 2, 3 }, e.Payload.ToArray());
        Assert.Equal(new byte[] { 4, 5 }, e.Tag.ToArray());
    }

    public static TheoryData<string, byte[], EnvelopeErrorCode, int> Malformed() => new()
    {
        { "empty", [], EnvelopeErrorCode.TooShort, 0 },
        { "32 bytes", Cat(Head(), Id("a"), Id("b"), Id(""), U32(0), [0]), EnvelopeErrorCode.TooShort, 0 },
        { "magic byte 0", Wire(head: Head(m0: 0x55)), EnvelopeErrorCode.BadMagic, 0 },
        { "magic byte 1", Wire(head: Head(m1: 0x62)), EnvelopeErrorCode.BadMagic, 1 },
        { "version 0", Wire(head: Head(version: 0)), EnvelopeErrorCode.UnsupportedVersion, 2 },
        { "version 2", Wire(head: Head(version: 2)), EnvelopeErrorCode.UnsupportedVersion, 2 },
        { "kind 0", Wire(head: Head(kind: 0)), EnvelopeErrorCode.UnknownKind, 3 },
        { "kind 13", Wire(head: Head(kind: 13)), EnvelopeErrorCode.UnknownKind, 3 },
        { "kind 0xFFFF", Wire(head: Head(kind: 0xFFFF)), EnvelopeErrorCode.UnknownKind, 3 },
        { "flags 2", Wire(head: Head(flags: 2)), EnvelopeErrorCode.ReservedFlags, 5 },
        { "flags 3", Wire(head: Head(flags: 3)), EnvelopeErrorCode.ReservedFlags, 5 },
        { "reply-to flag, in-reply-to 0", Cat(Head(flags: 1), new byte[8], Id("alice"), Id("bob"), Id(""), U32(0), U16(0)), EnvelopeErrorCode.ZeroReplyTo, 22 },
        { "flags 0x80", Wire(head: Head(flags: 0x80)), EnvelopeErrorCode.ReservedFlags, 5 },
        { "sender bytes", Cat(Head(), [40], Encoding.ASCII.GetBytes(new string('a', 20))), EnvelopeErrorCode.Truncated, 23 },
        { "recipient length", Cat(Head(), Id(new string('a', 20))), EnvelopeErrorCode.Truncated, 43 },
        { "payload length", Cat(Head(), Id(new string('a', 30)), Id("b"), Id(""), [0, 0]), EnvelopeErrorCode.Truncated, 56 },
        { "payload bytes", Cat(Head(), Id("alice"), Id("bob"), Id(""), U32(100), [1, 2, 3]), EnvelopeErrorCode.Truncated, 37 },
        { "tag length", Cat(Head(), Id("alice"), Id("bob"), Id(""), U32(3), [1, 2, 3], [0]), EnvelopeErrorCode.Truncated, 40 },
        { "tag bytes", Wire(tag: Cat(U16(5), [4, 5])), EnvelopeErrorCode.Truncated, 42 },
        { "empty sender", Wire(sender: Id("")), EnvelopeErrorCode.InvalidIdentifier, 22 },
        { "empty recipient", Wire(recipient: Id("")), EnvelopeErrorCode.InvalidIdentifier, 28 },
        { "uppercase sender", Wire(sender: Id("aLice")), EnvelopeErrorCode.InvalidIdentifier, 24 },
        { "colon in sender", Wire(sender: Id("a:ice")), EnvelopeErrorCode.InvalidIdentifier, 24 },
        { "non-ascii sender", Wire(sender: Raw(5, 0x61, 0xC3, 0xA9, 0x62, 0x63)), EnvelopeErrorCode.InvalidIdentifier, 24 },
        { "space in recipient", Wire(recipient: Id("bo b")), EnvelopeErrorCode.InvalidIdentifier, 31 },
        { "hash in key id", Wire(keyId: Id("k#1")), EnvelopeErrorCode.InvalidIdentifier, 34 },
        { "nul in key id", Wire(keyId: Raw(2, 0x4B, 0x00)), EnvelopeErrorCode.InvalidIdentifier, 34 },
        { "sender 65", Wire(sender: Id(new string('a', 65))), EnvelopeErrorCode.FieldTooLong, 22 },
        { "recipient 255", Wire(recipient: Cat([255], new byte[255])), EnvelopeErrorCode.FieldTooLong, 28 },
        { "key id 65", Wire(keyId: Id(new string('K', 65))), EnvelopeErrorCode.FieldTooLong, 32 },
        { "payload 1 MiB + 1", Wire(payload: U32(EnvelopeCodec.MaxPayloadBytes + 1)), EnvelopeErrorCode.PayloadTooLarge, 33 },
        { "payload 4 GiB", Wire(payload: U32(uint.MaxValue)), EnvelopeErrorCode.PayloadTooLarge, 33 },
        { "tag 513", Wire(tag: Cat(U16(513), new byte[513])), EnvelopeErrorCode.TagTooLarge, 40 },
        { "tag 0xFFFF", Wire(tag: U16(0xFFFF)), EnvelopeErrorCode.TagTooLarge, 40 },
        { "one trailing byte", Wire(trailing: [0]), EnvelopeErrorCode.TrailingBytes, 44 },
        { "second envelope appended", Cat(Wire(), Wire()), EnvelopeErrorCode.TrailingBytes, 44 },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedBufferIsRejectedWithCodeAndOffset(string name, byte[] buffer, EnvelopeErrorCode code, int offset)
    {
        Assert.False(EnvelopeCodec.TryDecode(buffer, out Envelope? envelope, out EnvelopeError error), name);
        Assert.Null(envelope);
        Assert.Equal((code, offset), (error.Code, error.Offset));
        var thrown = Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(buffer));
        Assert.Equal(error, thrown.Error);
    }

    [Fact]
    public void MalformedCasesCoverEveryErrorCode()
    {
        var covered = Malformed().Select(row => (EnvelopeErrorCode)row[2]).ToHashSet();
        var expected = Enum.GetValues<EnvelopeErrorCode>().Where(c => c != EnvelopeErrorCode.None);
        Assert.Equal(expected.Order(), covered.Order());
    }

    [Fact]
    public void EveryTruncationIsAnErrorNotAnException()
    {
        var rng = new Random(7);
        Envelope e = Sample() with { Sender = new string('x', 64), KeyId = "key-2024", Payload = RandomBytes(rng, 50), Tag = RandomBytes(rng, 30) };
        byte[] full = EnvelopeCodec.Encode(e);
        for (int length = 0; length < full.Length; length++)
        {
            byte[] prefix = full[..length];
            Assert.False(EnvelopeCodec.TryDecode(prefix, out _, out EnvelopeError error));
            var code = length < EnvelopeCodec.MinEncodedLength ? EnvelopeErrorCode.TooShort : EnvelopeErrorCode.Truncated;
            Assert.Equal(code, error.Code);
            Assert.InRange(error.Offset, 0, length);
            Assert.Equal(error, Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(prefix)).Error);
        }
    }

    [Fact]
    public void RandomBitFlipsNeverThrow() =>
        Gen.Select(GenEnvelope, Gen.Int[0, int.MaxValue].Array[1, 8], Gen.Int[0, 7]).Sample((e, positions, bit) =>
        {
            byte[] bytes = EnvelopeCodec.Encode(e);
            foreach (int position in positions)
            {
                bytes[position % bytes.Length] ^= (byte)(1 << bit);
            }

            AssertDecodesCanonicallyOrFails(bytes);
        }, iter: 3000);

    [Fact]
    public void RandomByteArraysNeverThrow() =>
        Gen.Byte.Array[0, 300].Sample(AssertDecodesCanonicallyOrFails, iter: 3000);

    [Fact]
    public void RandomBytesAfterAValidPrefixNeverThrow() =>
        Gen.Select(Gen.Int[0, 10], Gen.Byte.Array[0, 300]).Sample((k, tail) =>
            AssertDecodesCanonicallyOrFails(Cat(Head(kind: (ushort)Kinds[k]), tail)), iter: 3000);

    [Fact]
    public void DecodeCopiesPayloadAndTagOutOfTheBuffer()
    {
        Envelope original = Sample();
        byte[] buffer = EnvelopeCodec.Encode(original);
        Envelope decoded = EnvelopeCodec.Decode(buffer);
        Array.Fill(buffer, (byte)0xEE);
        Assert.True(original.ContentEquals(decoded));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, decoded.Payload.ToArray());
        Assert.Equal(new byte[] { 9, 8, 7 }, decoded.Tag.ToArray());
    }
}
