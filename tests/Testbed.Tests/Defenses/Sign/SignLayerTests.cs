using Testbed.Defenses;
using Testbed.Defenses.Identity;
using Testbed.Defenses.Sign;
using Testbed.Envelopes;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Defenses.Sign;

public sealed class SignLayerTests : IDisposable
{
    private readonly SignHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData(SignatureAlgorithm.EcdsaP256)]
    [InlineData(SignatureAlgorithm.Ed25519)]
    public async Task A_signed_envelope_round_trips_and_is_authenticated(SignatureAlgorithm algorithm)
    {
        using var h = new SignHarness(algorithm);
        var request = SignHarness.Request();
        var sealedRequest = await h.SealAsync(request);

        Assert.Equal("k=1", sealedRequest.KeyId);
        Assert.Equal(64, sealedRequest.Tag.Length);
        Assert.True(request.Payload.Span.SequenceEqual(sealedRequest.Payload.Span));

        var (verdict, context) = await h.OpenAsync(sealedRequest);
        Assert.Equal(OpenOutcome.Continue, verdict.Result.Outcome);
        Assert.True(context.Authenticated);
        // The opened envelope is the sealed one minus the sign layer's own key id segment.
        Assert.True((sealedRequest with { KeyId = "" }).ContentEquals(verdict.Result.Envelope));
        Assert.Equal(request.KeyId, verdict.Result.Envelope!.KeyId);
        Assert.Equal(0, h.ReceiverEvents.Count);
    }

    [Fact]
    public async Task Other_key_id_segments_are_kept_and_covered_by_the_signature()
    {
        var sealedRequest = await _h.SealAsync(SignHarness.Request(keyId: "s=3f2a9c01.2"));
        Assert.Equal("s=3f2a9c01.2+k=1", sealedRequest.KeyId);
        Assert.Equal("accepted", await _h.OutcomeAsync(sealedRequest));
        Assert.Equal("bad-signature", await _h.OutcomeAsync(sealedRequest with { KeyId = "s=3f2a9c01.3+k=1" }));
    }

    [Fact]
    public async Task Large_payloads_are_signed_and_verified()
    {
        var payload = new byte[100_000];
        new Random(3).NextBytes(payload);
        var sealedRequest = await _h.SealAsync(SignHarness.Request(payload: payload));
        Assert.Equal("accepted", await _h.OutcomeAsync(sealedRequest));

        var changed = payload.ToArray();
        changed[99_999] ^= 1;
        Assert.Equal("bad-signature", await _h.OutcomeAsync(sealedRequest with { Payload = changed }));
    }

    [Fact]
    public async Task Unsigned_and_badly_keyed_envelopes_are_rejected_and_recorded()
    {
        var sealedRequest = await _h.SealAsync(SignHarness.Request());

        Assert.Equal("missing-signature", await _h.OutcomeAsync(SignHarness.Request()));
        Assert.Equal("missing-signature", await _h.OutcomeAsync(sealedRequest with { Tag = ReadOnlyMemory<byte>.Empty }));
        Assert.Equal("bad-key-id", await _h.OutcomeAsync(sealedRequest with { KeyId = "" }));
        Assert.Equal("bad-key-id", await _h.OutcomeAsync(sealedRequest with { KeyId = "k=1+k=1" }));
        Assert.Equal("bad-key-id", await _h.OutcomeAsync(sealedRequest with { KeyId = "k=0" }));
        Assert.Equal("bad-key-id", await _h.OutcomeAsync(sealedRequest with { KeyId = "k=x1" }));
        Assert.Equal("unknown-key", await _h.OutcomeAsync(sealedRequest with { KeyId = "k=2" }));
        Assert.Equal("bad-signature", await _h.OutcomeAsync(sealedRequest with { Tag = sealedRequest.Tag[..63] }));

        var counts = _h.ReceiverEvents.CountsByLayer()["sign"];
        Assert.Equal(2, counts["missing-signature"]);
        Assert.Equal(4, counts["bad-key-id"]);
        var first = _h.ReceiverEvents.Events.First();
        Assert.Equal(("sign", "customer/1", "payments/0", EnvelopeKind.Order), (first.Layer, first.ClaimedSender, first.Recipient, first.Kind));
    }

    [Fact]
    public async Task An_envelope_signed_by_one_principal_but_claiming_another_is_rejected()
    {
        await _h.World.SenderSilo.Keys.GetSigningKeyAsync("customer/2");
        var signedByOne = await _h.SealAsync(SignHarness.Request(sender: "customer/1"));

        // Relabelled: customer/1's genuine signature, customer/2 as the claimed sender.
        Assert.Equal("bad-signature", await _h.OutcomeAsync(signedByOne with { Sender = "customer/2" }));

        // Forged: mallory (a certified principal) signs an envelope that claims customer/2, with customer/2's key version.
        var mallory = await _h.World.SenderSilo.Keys.GetSigningKeyAsync("mallory");
        var forged = SignHarness.Request(sender: "customer/2") with { KeyId = "k=1" };
        var signature = new byte[64];
        mallory.Sign(EnvelopeCodec.EncodeHeader(forged), signature);
        Assert.Equal("bad-signature", await _h.OutcomeAsync(forged with { Tag = signature }));

        // Claiming a principal that has no certificate at all.
        Assert.Equal("unknown-key", await _h.OutcomeAsync(signedByOne with { Sender = "customer/9" }));
    }

    [Fact]
    public async Task Sealing_refuses_to_sign_for_another_sender_or_with_the_wrong_scheme()
    {
        var request = SignHarness.Request(sender: "customer/2");
        var context = new MessageContext { Endpoint = new DefenseEndpoint("customer/1", _h.World.SenderSilo.Environment), Peer = "payments/0", Direction = WireDirection.Request };
        var mismatch = await Assert.ThrowsAsync<DefenseException>(async () => await _h.SenderPipeline.SealAsync(request, context));
        Assert.Equal(("sign", "sender-mismatch"), (mismatch.Layer, mismatch.Reason));

        using var ed = new SignHarness(SignatureAlgorithm.Ed25519);
        var ecdsaLayer = new DefensePipelineBuilder().AddSign(new SignOptions { Algorithm = SignatureAlgorithm.EcdsaP256 }).Build(ed.World.SenderSilo.Environment);
        var wrongScheme = await Assert.ThrowsAsync<DefenseException>(async () => await ecdsaLayer.SealAsync(SignHarness.Request(), ed.SealContext(SignHarness.Request())));
        Assert.Equal("algorithm-mismatch", wrongScheme.Reason);
    }

    [Fact]
    public async Task A_receiver_pinned_to_another_scheme_rejects()
    {
        using var h = new SignHarness(SignatureAlgorithm.Ed25519, receiverLayerAlgorithm: SignatureAlgorithm.EcdsaP256);
        Assert.Equal("algorithm-mismatch", await h.OutcomeAsync(await h.SealAsync(SignHarness.Request())));
    }

    [Fact]
    public async Task Sealing_fails_as_a_defense_error_when_no_key_can_be_certified()
    {
        _h.World.Ca.FailWith = new TimeoutException("CA unreachable");
        var error = await Assert.ThrowsAsync<DefenseException>(async () => await _h.SenderPipeline.SealAsync(SignHarness.Request(), _h.SealContext(SignHarness.Request())));
        Assert.Equal("key-unavailable", error.Reason);
    }

    [Fact]
    public async Task Opening_rejects_without_throwing_when_trust_cannot_be_established()
    {
        var sealedRequest = await _h.SealAsync(SignHarness.Request());
        _h.World.Ca.FailWith = new TimeoutException("CA unreachable");
        Assert.Equal("trust-unavailable", await _h.OutcomeAsync(sealedRequest));

        _h.World.Ca.FailWith = null;
        Assert.Equal("accepted", await _h.OutcomeAsync(sealedRequest));
    }

    [Fact]
    public async Task A_key_whose_certificate_the_CA_did_not_sign_is_rejected()
    {
        var sealedRequest = await _h.SealAsync(SignHarness.Request());
        var genuine = _h.World.Ca.Inner.GetCertificate("customer/1", 1)!;
        _h.World.Ca.Tamper = c => c with { IssuedAtMs = genuine.IssuedAtMs + 1 };
        Assert.Equal("untrusted-certificate", await _h.OutcomeAsync(sealedRequest));
    }

    [Fact]
    public async Task After_rotation_the_old_version_is_rejected_once_the_receiver_learns_it()
    {
        var keys = _h.World.SenderSilo.Keys;
        var oldMessage = await _h.SealAsync(SignHarness.Request());
        Assert.Equal("accepted", await _h.OutcomeAsync(oldMessage));

        await keys.RotateAsync("customer/1");
        var newMessage = await _h.SealAsync(SignHarness.Request());
        Assert.Equal("k=2", newMessage.KeyId);

        // Rotation revokes v1 at the CA at once; this silo has not polled yet, so v1 still verifies here.
        Assert.Equal("accepted", await _h.OutcomeAsync(newMessage));
        Assert.Equal("accepted", await _h.OutcomeAsync(oldMessage));

        _h.World.Time.Advance(_h.World.Options.RevocationPollInterval);
        Assert.Equal("rotated-key", await _h.OutcomeAsync(oldMessage));
        Assert.Equal("accepted", await _h.OutcomeAsync(newMessage));
    }

    [Fact]
    public async Task A_revoked_key_is_accepted_until_propagation_and_rejected_from_the_next_poll_on()
    {
        var poll = _h.World.Options.RevocationPollInterval;
        var message = await _h.SealAsync(SignHarness.Request());
        Assert.Equal("accepted", await _h.OutcomeAsync(message)); // the receiver's trust store starts polling now (t0)
        var t0 = _h.World.Time.GetUtcNow();

        _h.World.Time.Advance(TimeSpan.FromMilliseconds(100));
        await _h.World.Ca.Revoke("customer/1", 1, RevocationReasons.Compromised);
        var revokedAt = _h.World.Time.GetUtcNow();

        var lastAccepted = revokedAt;
        while (await _h.OutcomeAsync(message) == "accepted")
        {
            lastAccepted = _h.World.Time.GetUtcNow();
            _h.World.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var rejectedAt = _h.World.Time.GetUtcNow();
        Assert.Equal("revoked-key", await _h.OutcomeAsync(message));
        Assert.Equal(t0 + poll, rejectedAt);
        Assert.Equal(rejectedAt - TimeSpan.FromMilliseconds(1), lastAccepted);
        Assert.Equal(TimeSpan.FromMilliseconds(150), rejectedAt - revokedAt); // the propagation window, at most one poll interval
        var rejection = _h.ReceiverEvents.Events.First(e => e.Reason == "revoked-key");
        Assert.Equal(rejectedAt, rejection.Time);
    }

    [Fact]
    public async Task A_reply_must_come_from_the_peer_and_be_addressed_to_the_requester()
    {
        var receiver = _h.World.ReceiverSilo.Environment;
        var requestContext = new MessageContext { Endpoint = new DefenseEndpoint("customer/1", receiver), Peer = "payments/0", Direction = WireDirection.Request };

        async Task<string> OpenReply(Envelope reply)
        {
            var context = requestContext.ForResponse();
            var verdict = await _h.ReceiverPipeline.OpenAsync(reply, context);
            return verdict.Result.Outcome == OpenOutcome.Continue && context.Authenticated ? "accepted" : verdict.Result.Reason!;
        }

        var genuine = await _h.SealAsync(SignHarness.Request(sender: "payments/0", recipient: "customer/1", kind: EnvelopeKind.OrderReply));
        var fromOther = await _h.SealAsync(SignHarness.Request(sender: "payments/1", recipient: "customer/1", kind: EnvelopeKind.OrderReply));
        var toOther = await _h.SealAsync(SignHarness.Request(sender: "payments/0", recipient: "customer/2", kind: EnvelopeKind.OrderReply));

        Assert.Equal("accepted", await OpenReply(genuine));
        Assert.Equal("wrong-sender", await OpenReply(fromOther));
        Assert.Equal("wrong-recipient", await OpenReply(toOther));
    }

    [Theory]
    [InlineData(EnvelopeKind.Handshake)]
    [InlineData(EnvelopeKind.HandshakeReply)]
    public async Task Handshakes_belong_to_the_session_layer_so_a_pipeline_without_one_refuses_them(EnvelopeKind kind)
    {
        var handshake = SignHarness.Request(kind: kind) with { Tag = new byte[] { 1, 2, 3 } };
        var sealedHandshake = await _h.SenderPipeline.SealAsync(handshake, _h.SealContext(handshake));
        Assert.Same(handshake, sealedHandshake);

        // The layer itself leaves handshakes to the session layer...
        var layer = _h.ReceiverPipeline.Layers.Single();
        var passed = await layer.OpenAsync(handshake, _h.OpenContext(handshake));
        Assert.Same(handshake, passed.Envelope);

        // ...so a pipeline with no session layer must not let them reach the service unauthenticated.
        var (verdict, context) = await _h.OpenAsync(handshake);
        Assert.Equal(("sign", DefensePipeline.UnexpectedHandshake), (verdict.Layer, verdict.Result.Reason));
        Assert.False(context.Authenticated);
        Assert.Equal(1, _h.ReceiverEvents.Count);
    }

    [Fact]
    public void The_builder_names_the_layer_and_excludes_mac()
    {
        var builder = new DefensePipelineBuilder().AddSign();
        Assert.Equal(["sign"], builder.Names);
        var pipeline = builder.Build(_h.World.ReceiverSilo.Environment);
        Assert.Equal(DefenseStage.Authenticity, Assert.Single(pipeline.Layers).Stage);

        builder.AddLayer("mac", _ => throw new InvalidOperationException("not built"));
        var error = Assert.Throws<ArgumentException>(builder.Validate);
        Assert.Contains("mac", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new DefensePipelineBuilder().AddSign().AddSign());
    }

    [Theory]
    [InlineData("k=1", true, 1)]
    [InlineData("s=ab.2+k=17", true, 17)]
    [InlineData("k=17+s=ab.2", true, 17)]
    [InlineData("", false, 0)]
    [InlineData("k=", false, 0)]
    [InlineData("k=0", false, 0)]
    [InlineData("k=-1", false, 0)]
    [InlineData("k=+1", false, 0)]
    [InlineData("k=1+k=2", false, 0)]
    [InlineData("kk=1", false, 0)]
    [InlineData("k=99999999999", false, 0)]
    public void Reads_the_key_version_segment(string keyId, bool ok, int version)
    {
        Assert.Equal((ok, version), (SignLayer.TryReadKeyVersion(keyId, out var read), read));
        if (ok)
        {
            Assert.True(KeyIdSegments.TryGet(keyId, "k", out var text));
            Assert.Equal(version, int.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task The_signature_covers_the_header_fields()
    {
        var sealedRequest = await _h.SealAsync(SignHarness.Request());
        Envelope[] altered =
        [
            sealedRequest with { Sequence = sealedRequest.Sequence + 1 },
            sealedRequest with { TimestampMs = sealedRequest.TimestampMs + 1 },
            sealedRequest with { Kind = EnvelopeKind.Debit },
            sealedRequest with { Payload = "order o-1: 99 to account/3"u8.ToArray() },
        ];
        foreach (var envelope in altered)
        {
            Assert.Equal("bad-signature", await _h.OutcomeAsync(envelope));
        }

        // Re-addressed to another service: that service's pipeline rejects it.
        Assert.Equal("bad-signature", await _h.OutcomeAsync(sealedRequest with { Recipient = "payments/1" }));
    }
}
