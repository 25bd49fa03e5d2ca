using Testbed.Attacks.Api;
using Testbed.Defenses;
using Testbed.Defenses.Session;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.Sign;
using Xunit;

namespace Testbed.Tests.Attacks;

/// <summary>The helpers the public attack API offers any attack author, checked against the defenses' own code.</summary>
public sealed class AttackApiHelperTests
{
    private static byte[] Hello(ProtectionSet offered, ProtectionSet required)
    {
        var signed = HandshakeCodec.WriteHelloSignedPart(SessionKeyAgreement.P256, new byte[EphemeralKey.PublicKeyLength(SessionKeyAgreement.P256)],
            new byte[32], 1_900_000_000_000, "customer/1", "account/1", offered, required, 2);
        return HandshakeCodec.AppendSignature(signed, Enumerable.Range(1, 64).Select(i => (byte)i).ToArray());
    }

    [Fact]
    public void A_protection_stripped_from_a_hello_leaves_a_canonical_hello_with_the_initiators_signature()
    {
        var hello = Hello(ProtectionSet.Of(["encrypt", "mac"]), ProtectionSet.Of(["encrypt"]));

        var stripped = SessionHellos.WithoutProtection(hello, "encrypt");

        Assert.NotNull(stripped);
        Assert.True(HandshakeCodec.TryReadHello(stripped, out var parsed));
        Assert.True(HandshakeCodec.TryReadHello(hello, out var original));
        Assert.Equal(["mac"], parsed.Offered);
        Assert.Empty(parsed.Required);
        Assert.Equal(original.Signature, parsed.Signature); // it cannot re-sign: the verifier will see the change
        Assert.Equal((original.Initiator, original.Responder, original.KeyVersion), (parsed.Initiator, parsed.Responder, parsed.KeyVersion));
    }

    [Fact]
    public void Nothing_to_strip_or_not_a_hello_gives_null()
    {
        Assert.Null(SessionHellos.WithoutProtection(Hello(ProtectionSet.Of(["mac"]), ProtectionSet.Empty), "encrypt"));
        Assert.Null(SessionHellos.WithoutProtection("{\"amount\":5}"u8, "encrypt"));
        Assert.Null(SessionHellos.WithoutProtection([], "encrypt"));
    }

    [Fact]
    public async Task An_envelope_signed_with_a_handed_over_key_passes_the_sign_layer_as_its_owner()
    {
        using var harness = new SignHarness();
        var key = await harness.World.SenderSilo.Keys.GetSigningKeyAsync("customer/1");

        var first = SignHarness.Request().SignedWith(key);
        var second = SignHarness.Request().SignedWith(key);

        Assert.Equal("accepted", await harness.OutcomeAsync(SignHarness.OverTheWire(first)));
        Assert.Equal("accepted", await harness.OutcomeAsync(SignHarness.OverTheWire(second)));
        Assert.True(KeyIdSegments.TryGet(first.KeyId, "k", out var version) && version == "1");
        Assert.True(KeyIdSegments.TryGet(first.KeyId, "n", out var nonce));
        Assert.True(KeyIdSegments.TryGet(second.KeyId, "n", out var other));
        Assert.NotEqual(nonce, other); // a fresh nonce per forgery
        Assert.Equal("bad-signature", await harness.OutcomeAsync(SignHarness.OverTheWire(first with { Sequence = 8 })));
    }
}
