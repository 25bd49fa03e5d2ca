using System.Text;
using Testbed.Envelopes;
using Xunit;

namespace Testbed.Tests.Envelopes;

/// <summary>The envelope header (what signatures and AEAD cover), value equality, and the identifier rules.</summary>
public sealed class EnvelopeHeaderAndIdTests
{
    private static Envelope Sample() => EnvelopeCodecTests.Sample();

    [Fact]
    public void HeaderIsTheEncodingWithoutTagLengthAndTag()
    {
        Envelope e = Sample();
        byte[] full = EnvelopeCodec.Encode(e);
        byte[] header = EnvelopeCodec.EncodeHeader(e);
        Assert.Equal(full.Length - 2 - e.Tag.Length, header.Length);
        Assert.Equal(header.Length, EnvelopeCodec.GetHeaderLength(e));
        Assert.Equal(full[..header.Length], header);
        Assert.Equal(header, EnvelopeCodec.EncodeHeader(e with { Tag = ReadOnlyMemory<byte>.Empty }));
        Assert.Equal(header, EnvelopeCodec.EncodeHeader(e with { Tag = new byte[EnvelopeCodec.MaxTagBytes] }));
    }

    [Theory]
    [InlineData("kind")] [InlineData("sender")] [InlineData("recipient")] [InlineData("sequence")] [InlineData("timestamp")]
    [InlineData("keyid")] [InlineData("keyid-empty")] [InlineData("payload-byte")] [InlineData("payload-length")]
    public void HeaderChangesWhenAnyHeaderFieldChanges(string field)
    {
        Envelope e = Sample();
        Envelope changed = field switch
        {
            "kind" => e with { Kind = EnvelopeKind.OrderReply },
            "sender" => e with { Sender = "alicf" },
            "recipient" => e with { Recipient = "bank/ledger-2" },
            "sequence" => e with { Sequence = 43 },
            "timestamp" => e with { TimestampMs = e.TimestampMs + 1 },
            "keyid" => e with { KeyId = "alice:K2+=" },
            "keyid-empty" => e with { KeyId = "" },
            "payload-byte" => e with { Payload = new byte[] { 1, 2, 3, 4, 6 } },
            "payload-length" => e with { Payload = new byte[] { 1, 2, 3, 4, 5, 0 } },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
        Assert.NotEqual(EnvelopeCodec.EncodeHeader(e), EnvelopeCodec.EncodeHeader(changed));
    }

    [Fact]
    public void ContentEqualsComparesEveryFieldByValue()
    {
        Envelope e = Sample();
        Envelope copy = e with { Payload = e.Payload.ToArray(), Tag = e.Tag.ToArray() };
        Assert.True(e.ContentEquals(copy));
        Assert.NotEqual(e, copy); // record equality compares the memories by reference
        Assert.False(e.ContentEquals(null));
        Envelope[] different =
        [
            e with { Version = 2 }, e with { Kind = EnvelopeKind.Echo }, e with { Sender = "bob" }, e with { Recipient = "bob" },
            e with { Sequence = 1 }, e with { TimestampMs = 1 }, e with { KeyId = "" },
            e with { Payload = new byte[] { 1, 2, 3, 4, 0 } }, e with { Tag = new byte[] { 9, 8 } },
        ];
        Assert.All(different, d => Assert.False(e.ContentEquals(d)));
    }

    [Theory]
    [InlineData("a", true)] [InlineData("alice", true)] [InlineData("bank/ledger-1", true)] [InlineData("x.y_z-0/9", true)]
    [InlineData("", false)] [InlineData("Alice", false)] [InlineData("a b", false)] [InlineData("a:b", false)]
    [InlineData("a+b", false)] [InlineData("é", false)] [InlineData("a\0", false)]
    public void PrincipalIdRule(string id, bool valid)
    {
        Assert.Equal(valid, PrincipalId.IsValid(id));
        Assert.Equal(valid, PrincipalId.IsValid(Encoding.UTF8.GetBytes(id)));
    }

    [Theory]
    [InlineData("", true)] [InlineData("K:1+=/a_b.c-d", true)] [InlineData("ABCxyz019", true)]
    [InlineData("k#1", false)] [InlineData("k 1", false)] [InlineData("ké", false)] [InlineData("k,1", false)]
    public void KeyIdRule(string keyId, bool valid)
    {
        Assert.Equal(valid, PrincipalId.IsValidKeyId(keyId));
        Assert.Equal(valid, PrincipalId.IsValidKeyId(Encoding.UTF8.GetBytes(keyId)));
    }

    [Fact]
    public void IdentifierLengthLimits()
    {
        Assert.True(PrincipalId.IsValid(new string('a', 64)));
        Assert.False(PrincipalId.IsValid(new string('a', 65)));
        Assert.False(PrincipalId.IsValid((string?)null));
        Assert.True(PrincipalId.IsValidKeyId(new string('A', 64)));
        Assert.False(PrincipalId.IsValidKeyId(new string('A', 65)));
        Assert.False(PrincipalId.IsValidKeyId((string?)null));
    }

    [Fact]
    public void ErrorsDescribeThemselves()
    {
        Assert.Equal(EnvelopeErrorCode.None, EnvelopeError.None.Code);
        Assert.Equal("None", EnvelopeError.None.ToString());
        var error = new EnvelopeError(EnvelopeErrorCode.BadMagic, 1, "magic is not 'TB'");
        Assert.Equal("BadMagic at offset 1: magic is not 'TB'", error.ToString());
        var exception = new EnvelopeFormatException(error);
        Assert.Equal(error, exception.Error);
        Assert.Equal(error.ToString(), exception.Message);
    }
}
