using System.Buffers.Binary;
using CsCheck;
using Testbed.Defenses.Session;
using Xunit;

namespace Testbed.Tests.Defenses.Session;

public sealed class HandshakeCodecTests
{
    private static readonly ProtectionSet Both = ProtectionSet.Of(["mac", "encrypt"]);

    private static byte[] Hello(SessionKeyAgreement agreement = SessionKeyAgreement.P256, ProtectionSet? offered = null, string responder = "account/1")
    {
        var signed = HandshakeCodec.WriteHelloSignedPart(
            agreement, new byte[EphemeralKey.PublicKeyLength(agreement)], Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(),
            1_900_000_000_000, "customer/1", responder, offered ?? Both, ProtectionSet.Of(["mac"]), 3);
        return HandshakeCodec.AppendSignature(signed, new byte[64]);
    }

    private static byte[] Reply(SessionKeyAgreement agreement = SessionKeyAgreement.X25519)
    {
        var signed = HandshakeCodec.WriteReplySignedPart(agreement, new byte[EphemeralKey.PublicKeyLength(agreement)], new byte[32], Both, 7);
        return HandshakeCodec.AppendSignature(signed, new byte[71]);
    }

    [Fact]
    public void AHelloRoundTripsEveryField()
    {
        var bytes = Hello();

        Assert.True(HandshakeCodec.TryReadHello(bytes, out var hello));
        Assert.Equal(SessionKeyAgreement.P256, hello.Agreement);
        Assert.Equal(65, hello.Ephemeral.Length);
        Assert.Equal(31, hello.Random[31]);
        Assert.Equal(1_900_000_000_000, hello.TimestampMs);
        Assert.Equal(("customer/1", "account/1"), (hello.Initiator, hello.Responder));
        Assert.Equal(["encrypt", "mac"], hello.Offered);
        Assert.Equal(["mac"], hello.Required);
        Assert.Equal(3, hello.KeyVersion);
        Assert.Equal(64, hello.Signature.Length);
        Assert.Equal(bytes.Length - 2 - 64, hello.SignedLength);
        Assert.Equal(bytes, hello.Encoded);
    }

    [Fact]
    public void TheHelloLayoutIsAsDocumented()
    {
        var bytes = Hello(SessionKeyAgreement.X25519);

        Assert.Equal("SH"u8.ToArray(), bytes[..2]);
        Assert.Equal([1, 1, 2, 32], bytes[2..6]);                                  // version, type hello, X25519, key length
        Assert.Equal(1_900_000_000_000, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(6 + 32 + 32)));
        Assert.Equal(10, bytes[6 + 32 + 32 + 8]);                                 // initiator id length
        Assert.Equal(64, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(bytes.Length - 66)));
        var sets = bytes.AsSpan(6 + 32 + 32 + 8 + 11 + 10);
        Assert.Equal([2, 7, .. "encrypt"u8, 3, .. "mac"u8, 1, 3, .. "mac"u8], sets[..18].ToArray());
        Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(sets[18..]));
    }

    [Fact]
    public void AStaticHelloIsAgreementThreeWithAPointOf65Bytes()
    {
        var bytes = Hello(SessionKeyAgreement.Static);

        Assert.Equal([1, 1, 3, 65], bytes[2..6]);                                  // version, type hello, static, key length
        Assert.True(HandshakeCodec.TryReadHello(bytes, out var hello));
        Assert.Equal(SessionKeyAgreement.Static, hello.Agreement);
        Assert.Equal(65, hello.Ephemeral.Length);
    }

    [Fact]
    public void AReplyRoundTripsEveryField()
    {
        var bytes = Reply();

        Assert.True(HandshakeCodec.TryReadReply(bytes, out var reply));
        Assert.Equal(SessionKeyAgreement.X25519, reply.Agreement);
        Assert.Equal(32, reply.Ephemeral.Length);
        Assert.Equal(Both, reply.Chosen);
        Assert.Equal(7, reply.KeyVersion);
        Assert.Equal(71, reply.Signature.Length);
        Assert.False(HandshakeCodec.TryReadHello(bytes, out _));
        Assert.False(HandshakeCodec.TryReadReply(Hello(), out _));
    }

    [Fact]
    public void EveryTruncationAndAnyTrailingByteIsRefused()
    {
        foreach (var bytes in new[] { Hello(), Reply() })
        {
            for (var length = 0; length < bytes.Length; length++)
            {
                Assert.False(HandshakeCodec.TryReadHello(bytes.AsMemory(0, length), out _));
                Assert.False(HandshakeCodec.TryReadReply(bytes.AsMemory(0, length), out _));
            }

            byte[] longer = [.. bytes, 0];
            Assert.False(HandshakeCodec.TryReadHello(longer, out _));
            Assert.False(HandshakeCodec.TryReadReply(longer, out _));
        }
    }

    [Theory]
    [InlineData(0, 0x54)]  // magic
    [InlineData(2, 2)]     // version
    [InlineData(4, 4)]     // unknown key agreement (3 is static, also 65-byte P-256 points)
    [InlineData(4, 0)]
    [InlineData(5, 32)]    // key length that does not match P-256
    public void HeaderFieldsAreStrict(int offset, byte value)
    {
        var bytes = Hello();
        bytes[offset] = value;

        Assert.False(HandshakeCodec.TryReadHello(bytes, out _));
    }

    [Fact]
    public void ProtectionSetsMustBeCanonical()
    {
        var bytes = Hello();
        var sets = 6 + 65 + 32 + 8 + 11 + 10;
        var swapped = (byte[])bytes.Clone();
        "mac"u8.CopyTo(swapped.AsSpan(sets + 2));                  // {"mac…","encrypt"}: first name no longer sorts first
        var upper = (byte[])bytes.Clone();
        upper[sets + 2] = (byte)'E';
        var tooMany = (byte[])bytes.Clone();
        tooMany[sets] = 9;

        Assert.False(HandshakeCodec.TryReadHello(swapped, out _));
        Assert.False(HandshakeCodec.TryReadHello(upper, out _));
        Assert.False(HandshakeCodec.TryReadHello(tooMany, out _));
        Assert.True(HandshakeCodec.TryReadHello(Hello(offered: ProtectionSet.Empty), out var none));
        Assert.Empty(none.Offered);
    }

    [Fact]
    public void InvalidPrincipalIdsAreRefused()
    {
        var bytes = Hello();
        bytes[6 + 65 + 32 + 8 + 1] = (byte)'C'; // uppercase is not allowed in principal ids

        Assert.False(HandshakeCodec.TryReadHello(bytes, out _));
    }

    [Fact]
    public void AnythingAcceptedIsTheCanonicalEncodingOfWhatWasRead()
    {
        var valid = new[] { Hello(), Hello(SessionKeyAgreement.X25519), Hello(SessionKeyAgreement.Static), Reply(), Reply(SessionKeyAgreement.P256), Reply(SessionKeyAgreement.Static) };
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Int[0, int.MaxValue], Gen.Byte).Sample((which, position, value) =>
        {
            var bytes = (byte[])valid[which].Clone();
            bytes[position % bytes.Length] = value;
            if (HandshakeCodec.TryReadHello(bytes, out var hello))
            {
                var signed = HandshakeCodec.WriteHelloSignedPart(hello.Agreement, hello.Ephemeral, hello.Random, hello.TimestampMs,
                    hello.Initiator, hello.Responder, hello.Offered, hello.Required, hello.KeyVersion);
                Assert.Equal(bytes, HandshakeCodec.AppendSignature(signed, hello.Signature));
            }

            if (HandshakeCodec.TryReadReply(bytes, out var reply))
            {
                var signed = HandshakeCodec.WriteReplySignedPart(reply.Agreement, reply.Ephemeral, reply.Random, reply.Chosen, reply.KeyVersion);
                Assert.Equal(bytes, HandshakeCodec.AppendSignature(signed, reply.Signature));
            }
        }, iter: 5000);
    }

    [Fact]
    public void RandomBytesNeverThrow() =>
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            HandshakeCodec.TryReadHello(bytes, out _);
            HandshakeCodec.TryReadReply(bytes, out _);
        }, iter: 5000);
}
