using Testbed.Defenses;
using Testbed.Defenses.Session;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.Session.Fakes;
using Xunit;

namespace Testbed.Tests.Defenses.Session;

public sealed class SessionNegotiationTests
{
    /// <summary>Rewrites a hello without <paramref name="name"/> in its offer and requirement, keeping or forging its signature.</summary>
    private static Envelope StripFromHello(Envelope envelope, string name, EcdsaSigningKey? resignWith = null)
    {
        if (envelope.Kind != EnvelopeKind.Handshake)
        {
            return envelope;
        }

        Assert.True(HandshakeCodec.TryReadHello(envelope.Payload, out var hello));
        var signed = HandshakeCodec.WriteHelloSignedPart(
            hello.Agreement, hello.Ephemeral, hello.Random, hello.TimestampMs, hello.Initiator, hello.Responder,
            ProtectionSet.Of(hello.Offered.Where(n => n != name)), ProtectionSet.Of(hello.Required.Where(n => n != name)), hello.KeyVersion);
        var signature = hello.Signature;
        if (resignWith is not null)
        {
            signature = new byte[resignWith.SignatureSize];
            resignWith.Sign(SessionKeySchedule.InitiatorSignedData(signed), signature);
        }

        return envelope with { Payload = HandshakeCodec.AppendSignature(signed, signature) };
    }

    /// <summary>Rewrites a reply to choose <paramref name="chosen"/>, keeping its signature or re-signing the transcript with <paramref name="hello"/>.</summary>
    private static Envelope RechooseInReply(Envelope envelope, ProtectionSet chosen, EcdsaSigningKey? resignWith = null, byte[]? hello = null)
    {
        if (envelope.Kind != EnvelopeKind.HandshakeReply)
        {
            return envelope;
        }

        Assert.True(HandshakeCodec.TryReadReply(envelope.Payload, out var reply));
        var signed = HandshakeCodec.WriteReplySignedPart(reply.Agreement, reply.Ephemeral, reply.Random, chosen, reply.KeyVersion);
        var signature = reply.Signature;
        if (resignWith is not null)
        {
            signature = new byte[resignWith.SignatureSize];
            resignWith.Sign(SessionKeySchedule.ResponderSignedData(SessionKeySchedule.TranscriptHash(hello!, signed)), signature);
        }

        return envelope with { Payload = HandshakeCodec.AppendSignature(signed, signature) };
    }

    [Fact]
    public async Task AnOfferStrippedInFlightIsRefusedAndNothingIsSent()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac", new SessionOptions { Require = ["mac"] }));
        h.Wire.OnRequest = e => StripFromHello(e, "encrypt");

        var refused = await Assert.ThrowsAsync<DefenseException>(() => h.SealAsync(alice, bank, "secret"));

        Assert.Equal("session", refused.Layer);
        Assert.Equal("handshake-refused", refused.Reason);
        Assert.Contains(("session", "bad-transcript"), h.EventReasons); // the responder saw the initiator's signature fail
        Assert.Equal(0, h.Wire.DataRequests);
        Assert.Null(SessionTable.Of(alice.Endpoint).Peer(bank.Principal).Current);
    }

    [Fact]
    public async Task ADowngradeReSignedWithTheInitiatorsKeyFailsTheInitiatorsTranscriptCheck()
    {
        // An attacker holding the initiator's long-term key re-signs the stripped offer: the responder accepts it,
        // but signs the transcript it saw, which is not the one the initiator sent.
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac", new SessionOptions { Require = ["mac"] }));
        h.Wire.OnRequest = e => StripFromHello(e, "encrypt", resignWith: h.Keys.Key(alice.Principal));

        var refused = await Assert.ThrowsAsync<DefenseException>(() => h.SealAsync(alice, bank, "secret"));

        Assert.Equal("bad-transcript", refused.Reason);
        var accepted = SessionTable.Of(bank.Endpoint).Peer(alice.Principal).LatestAccepted;
        Assert.NotNull(accepted);
        Assert.Equal(ProtectionSet.Of(["mac"]), accepted.Chosen); // the responder was fooled ...
        Assert.False(accepted.IsConfirmed); // ... into a session no request will ever confirm ...
        Assert.Equal([("session", "bad-transcript")], h.EventReasons); // ... the initiator was not, and says so
        Assert.Equal(alice.Principal, h.Events.Events.Single().Recipient);
        Assert.Equal(0, h.Wire.DataRequests);
    }

    [Fact]
    public async Task AReplyWhoseChoiceWasRewrittenInFlightFailsTheTranscriptCheck()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac", new SessionOptions { Require = ["mac"] }));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac"));
        h.Wire.OnReply = e => RechooseInReply(e, ProtectionSet.Of(["mac"]));

        var refused = await Assert.ThrowsAsync<DefenseException>(() => h.SealAsync(alice, bank, "secret"));

        Assert.Equal("bad-transcript", refused.Reason);
        Assert.Equal(0, h.Wire.DataRequests);
    }

    [Fact]
    public async Task ASignedChoiceBelowTheInitiatorsRequirementIsRefusedAsADowngrade()
    {
        // A responder (holding its real key) that chooses less than the initiator requires.
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac"));
        byte[]? hello = null;
        h.Wire.OnRequest = e => { hello ??= e.Payload.ToArray(); return e; };
        h.Wire.OnReply = e => RechooseInReply(e, ProtectionSet.Of(["mac"]), h.Keys.Key(bank.Principal), hello);

        var refused = await Assert.ThrowsAsync<DefenseException>(() => h.SealAsync(alice, bank, "secret"));

        Assert.Equal("downgrade", refused.Reason);
        Assert.Equal([("session", "downgrade")], h.EventReasons);
    }

    [Fact]
    public async Task AResponderThatRequiresEncryptRefusesAnInitiatorOfferingOnlyMac()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("mac"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac"));

        var refused = await Assert.ThrowsAsync<DefenseException>(() => h.SealAsync(alice, bank, "secret"));

        Assert.Equal("handshake-refused", refused.Reason);
        Assert.Contains("downgrade", refused.Message);
        Assert.Equal([("session", "downgrade")], h.EventReasons);
        Assert.Equal(bank.Principal, h.Events.Events.Single().Recipient);
        Assert.Null(SessionTable.Of(bank.Endpoint).Peer(alice.Principal).LatestAccepted);
    }

    [Fact]
    public async Task AResponderRefusesAChoiceBelowTheInitiatorsRequirement()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac"));
        var bank = h.Add("account/1", SessionHarness.Stack("mac"));

        var refused = await Assert.ThrowsAsync<DefenseException>(() => h.SealAsync(alice, bank, "secret"));

        Assert.Equal("handshake-refused", refused.Reason);
        Assert.Equal([("session", "downgrade")], h.EventReasons);
    }

    [Fact]
    public async Task AResponderWithEphemeralAgreementRefusesAStaticHelloAsADowngrade()
    {
        // A static session would give up the responder's forward secrecy: only a responder that is static itself accepts one.
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt", new SessionOptions { KeyAgreement = SessionKeyAgreement.Static }));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));

        var refused = await Assert.ThrowsAsync<DefenseException>(() => h.SealAsync(alice, bank, "secret"));

        Assert.Equal("handshake-refused", refused.Reason);
        Assert.Equal([("session", "downgrade")], h.EventReasons);
        Assert.Null(SessionTable.Of(bank.Endpoint).Peer(alice.Principal).LatestAccepted);
    }

    [Fact]
    public async Task AStaticResponderAcceptsAnEphemeralHello()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt", new SessionOptions { KeyAgreement = SessionKeyAgreement.Static }));

        var exchange = await h.SendAsync(alice, bank, "ephemeral");

        Assert.Equal("re:ephemeral", exchange.ReplyText);
        Assert.Equal(SessionKeyAgreement.P256, exchange.Session.KeyAgreement);
        Assert.Empty(h.EventReasons);
    }

    [Fact]
    public async Task TheStrongestCommonSetIsChosenWithinBothRequirements()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac", new SessionOptions { Require = ["encrypt"] }));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt", new SessionOptions { Require = [] }));

        var exchange = await h.SendAsync(alice, bank, "negotiated");

        Assert.Equal(ProtectionSet.Of(["encrypt"]), exchange.Session.Chosen);
        Assert.Empty(exchange.SealedRequest.Tag.ToArray()); // mac is present at alice but was not negotiated
        Assert.Equal("re:negotiated", exchange.ReplyText);
        Assert.True(bank.Opened[^1].Context.Authenticated);
    }

    [Fact]
    public async Task UntrustedPrincipalsCannotEstablishSessions()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));

        h.Trust.Distrust(alice.Principal);
        var initiatorUntrusted = await Assert.ThrowsAsync<DefenseException>(() => h.SealAsync(alice, bank, "x"));
        h.Trust.Restore(alice.Principal);
        h.Trust.Distrust(bank.Principal);
        var responderUntrusted = await Assert.ThrowsAsync<DefenseException>(() => h.SealAsync(alice, bank, "x"));

        Assert.Equal("handshake-refused", initiatorUntrusted.Reason);
        Assert.Equal("untrusted-peer", responderUntrusted.Reason);
        Assert.Equal([("session", "untrusted-peer"), ("session", "untrusted-peer")], h.EventReasons);
        Assert.Equal([bank.Principal, alice.Principal], h.Events.Events.Select(e => e.Recipient));
    }

    [Fact]
    public async Task ARotatedLongTermKeyIsUsedForTheNextHandshake()
    {
        var h = new SessionHarness();
        var options = new SessionOptions { RekeyAfterMessages = 1 };
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt", options));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt", options));

        await h.SendAsync(alice, bank, "v1");
        h.Keys.Rotate(alice.Principal);
        var exchange = await h.SendAsync(alice, bank, "v2");

        Assert.Equal("re:v2", exchange.ReplyText);
        Assert.Equal(2, h.Wire.Handshakes);
    }
}
