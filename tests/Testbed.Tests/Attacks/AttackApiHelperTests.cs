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
    public void A_forged_hello_is_the_canonical_hello_the_session_codec_writes_for_the_same_fields()
    {
        var (ephemeral, random, signature) = (SessionHellos.P256Ephemeral(), Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), new byte[64]);

        var forged = SessionHellos.Forge("customer/0", "payments/0", 1, ephemeral, random, 1_900_000_000_123, ["encrypt", "mac"], ["encrypt"], signature);

        // The responder's strict parser takes it (so a responder gets as far as the signature check), byte for byte what
        // the defense's own codec would send with the same fields and that signature.
        Assert.True(HandshakeCodec.TryReadHello(forged, out var parsed));
        Assert.Equal(("customer/0", "payments/0", 1, 1_900_000_000_123L), (parsed.Initiator, parsed.Responder, parsed.KeyVersion, parsed.TimestampMs));
        Assert.Equal(ephemeral, parsed.Ephemeral);
        Assert.Equal(random, parsed.Random);
        Assert.Equal(signature, parsed.Signature);
        var own = HandshakeCodec.AppendSignature(HandshakeCodec.WriteHelloSignedPart(SessionKeyAgreement.P256, ephemeral, random, 1_900_000_000_123,
            "customer/0", "payments/0", ProtectionSet.Of(["encrypt", "mac"]), ProtectionSet.Of(["encrypt"]), 1), signature);
        Assert.Equal(own, forged);
        Assert.NotEqual(ephemeral, SessionHellos.P256Ephemeral()); // a real point each time, never a constant
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
