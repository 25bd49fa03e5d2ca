using System.Security.Cryptography;
using Testbed.Defenses;
using Testbed.Defenses.Mac;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.Session.Fakes;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Defenses.Mac;

public sealed class MacLayerTests
{
    [Fact]
    public async Task TheTagIsHmacSha256OfTheWholeHeaderUnderTheDirectionsKey()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("mac"));
        var bank = h.Add("account/1", SessionHarness.Stack("mac"));

        var exchange = await h.SendAsync(alice, bank, "pay 5");

        var expected = HMACSHA256.HashData(exchange.Session.Outbound.MacKey, EnvelopeCodec.EncodeHeader(exchange.SealedRequest));
        Assert.Equal(expected, exchange.SealedRequest.Tag.ToArray());
        Assert.Equal("re:pay 5", exchange.ReplyText);
        Assert.True(bank.Opened[^1].Context.Authenticated);
    }

    [Fact]
    public async Task WithEncryptTheMacCoversTheCiphertextAndIsCheckedBeforeDecryption()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac"));
        var exchange = await h.SendAsync(alice, bank, "pay 5");
        var sealedRequest = exchange.SealedRequest;
        var ciphertext = sealedRequest.Payload.ToArray();
        ciphertext[0] ^= 1;

        var verdict = await SessionHarness.OpenRequestAsync(bank, sealedRequest with { Payload = ciphertext });

        Assert.Equal(HMACSHA256.HashData(exchange.Session.Outbound.MacKey, EnvelopeCodec.EncodeHeader(sealedRequest)), sealedRequest.Tag.ToArray());
        Assert.Equal(("mac", "bad-mac"), (verdict.Layer, verdict.Result.Reason));
        Assert.Equal(["mac", "session", "encrypt"], bank.Pipeline.Names);
    }

    [Theory]
    [InlineData("missing", "missing-mac")]
    [InlineData("short", "bad-mac")]
    [InlineData("wrong", "bad-mac")]
    [InlineData("payload", "bad-mac")]
    [InlineData("sequence", "bad-mac")]
    [InlineData("timestamp", "bad-mac")]
    public async Task TamperedOrMissingTagsAreRejected(string change, string reason)
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("mac"));
        var bank = h.Add("account/1", SessionHarness.Stack("mac"));
        var (sealedRequest, _) = await h.SealAsync(alice, bank, "pay 5");
        var tag = sealedRequest.Tag.ToArray();
        var tampered = change switch
        {
            "missing" => sealedRequest with { Tag = ReadOnlyMemory<byte>.Empty },
            "short" => sealedRequest with { Tag = tag[..16] },
            "wrong" => sealedRequest with { Tag = tag.Select(b => (byte)~b).ToArray() },
            "payload" => sealedRequest with { Payload = "pay 500"u8.ToArray() },
            "sequence" => sealedRequest with { Sequence = sealedRequest.Sequence + 1 },
            _ => sealedRequest with { TimestampMs = sealedRequest.TimestampMs + 1 },
        };

        var verdict = await SessionHarness.OpenRequestAsync(bank, tampered);
        var original = await SessionHarness.OpenRequestAsync(bank, sealedRequest);

        Assert.Equal(("mac", reason), (verdict.Layer, verdict.Result.Reason));
        Assert.Equal(OpenOutcome.Continue, original.Result.Outcome);
    }

    [Fact]
    public Task EveryBitFlipOfASealedEnvelopeIsRefused() => TamperChecks.AssertEveryBitFlipIsRefusedAsync("mac");

    [Fact]
    public Task RandomBitFlipsOfSealedEnvelopesAreRefused() => TamperChecks.AssertRandomBitFlipsAreRefusedAsync("mac");

    [Fact]
    public async Task WithoutASessionItRefusesToSealOrOpenButPassesHandshakes()
    {
        var h = new SessionHarness();
        var layer = new MacLayer(null, h.Environment);
        var context = new MessageContext { Endpoint = new DefenseEndpoint("customer/1", h.Environment), Peer = "account/1", Direction = WireDirection.Request };
        var data = new Envelope { Kind = EnvelopeKind.Order, Sender = "customer/1", Recipient = "account/1", Sequence = 1, KeyId = "s=0000000000000001" };
        var hello = data with { Kind = EnvelopeKind.Handshake };

        var refused = await Assert.ThrowsAsync<DefenseException>(() => layer.SealAsync(data, context).AsTask());

        Assert.Equal("no-session", refused.Reason);
        Assert.Equal(OpenResult.Reject("no-session"), await layer.OpenAsync(data, context));
        Assert.Same(hello, await layer.SealAsync(hello, context));
        Assert.Equal(OpenOutcome.Continue, (await layer.OpenAsync(hello, context)).Outcome);
        Assert.Equal(DefenseStage.Authenticity, layer.Stage);
    }

    [Fact]
    public void MacNeedsASessionAndCannotBeCombinedWithSign()
    {
        var alone = new DefensePipelineBuilder().AddMac();
        var withSign = SessionHarness.Stack("mac").AddLayer("sign", _ => throw new InvalidOperationException("not built"));

        Assert.Contains("'session'", Assert.Throws<ArgumentException>(alone.Validate).Message);
        Assert.Contains("'sign'", Assert.Throws<ArgumentException>(withSign.Validate).Message);
    }

    [Fact]
    public void OptionsAcceptNoKeys()
    {
        Assert.NotNull(MacOptions.FromSettings(new Dictionary<string, string>()));
        var error = Assert.Throws<ArgumentException>(() => MacOptions.FromSettings(new Dictionary<string, string> { ["algorithm"] = "sha1" }));
        Assert.Contains("'algorithm'", error.Message);
    }
}
