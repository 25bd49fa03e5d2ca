using Testbed.Envelopes;
using Xunit;

namespace Testbed.Tests.Envelopes;

/// <summary><see cref="EnvelopeCodec.TryDecodeOwned"/> and <see cref="EnvelopeCodec.Check"/>.</summary>
public sealed class EnvelopeCheckTests
{
    private static Envelope Sample() => new()
    {
        Kind = EnvelopeKind.Order, Sender = "customer/1", Recipient = "payments/0", Sequence = 9, TimestampMs = 1234,
        KeyId = "k:1", Payload = new byte[] { 1, 2, 3, 4 }, Tag = new byte[] { 9, 8 },
    };

    [Fact]
    public void Owned_decode_slices_the_frame_instead_of_copying()
    {
        var frame = EnvelopeCodec.Encode(Sample());

        Assert.True(EnvelopeCodec.TryDecodeOwned(frame, out var decoded, out var error), error.ToString());
        Assert.True(decoded.ContentEquals(Sample()));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(decoded.Payload, out var payload));
        Assert.Same(frame, payload.Array);
    }

    [Fact]
    public void Owned_decode_rejects_what_the_span_decoder_rejects()
    {
        var frame = EnvelopeCodec.Encode(Sample());
        for (var cut = 0; cut < frame.Length; cut++)
        {
            var prefix = frame[..cut];
            Assert.False(EnvelopeCodec.TryDecodeOwned(prefix, out _, out var owned));
            Assert.False(EnvelopeCodec.TryDecode(prefix, out _, out var copied));
            Assert.Equal(copied, owned);
        }
    }

    [Theory]
    [InlineData("Sender", EnvelopeErrorCode.InvalidIdentifier)]
    [InlineData("Recipient", EnvelopeErrorCode.InvalidIdentifier)]
    [InlineData("KeyId", EnvelopeErrorCode.InvalidIdentifier)]
    [InlineData("Kind", EnvelopeErrorCode.UnknownKind)]
    [InlineData("Version", EnvelopeErrorCode.UnsupportedVersion)]
    [InlineData("Tag", EnvelopeErrorCode.TagTooLarge)]
    public void Check_applies_the_decoder_rules_to_objects(string field, EnvelopeErrorCode expected)
    {
        var bad = field switch
        {
            "Sender" => Sample() with { Sender = "Customer/1" },
            "Recipient" => Sample() with { Recipient = "" },
            "KeyId" => Sample() with { KeyId = "k 1" },
            "Kind" => Sample() with { Kind = (EnvelopeKind)99 },
            "Version" => Sample() with { Version = 2 },
            _ => Sample() with { Tag = new byte[EnvelopeCodec.MaxTagBytes + 1] },
        };

        Assert.Equal(EnvelopeErrorCode.None, EnvelopeCodec.Check(Sample()).Code);
        Assert.Equal(expected, EnvelopeCodec.Check(bad).Code);
        Assert.Throws<ArgumentException>(() => EnvelopeCodec.Encode(bad));
    }
}
