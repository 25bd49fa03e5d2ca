using Testbed.Defenses;
using Testbed.Defenses.Identity;
using Testbed.Defenses.Session;
using Testbed.Tests.Defenses.Session.Fakes;
using Xunit;

namespace Testbed.Tests.Defenses.Session;

/// <summary>
/// Sessions end with the long-term keys that made them: once the trust store has learned a revocation, requests on a
/// session whose initiator signed its handshake with the revoked key version are refused, and initiators renew.
/// </summary>
public sealed class SessionRevocationTests
{
    [Fact]
    public async Task ARevocationRetiresTheSessionsMadeWithTheRevokedKeyVersion()
    {
        var h = new SessionHarness();
        var mallory = AddUnaware(h, "customer/1", "encrypt"); // holds a session made with customer/1's key, and does not care about revocations
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));

        var before = await h.SendAsync(mallory, bank, "before");
        var accepted = (SessionState)bank.Opened[^1].Context.Session!;
        h.Trust.Revoke("customer/1", 1);
        var after = await h.SendAsync(mallory, bank, "after");
        var again = await h.SendAsync(mallory, bank, "again");

        Assert.Equal("re:before", before.ReplyText);
        Assert.Equal((1, 1), (accepted.PeerKeyVersion, accepted.OwnKeyVersion));
        Assert.Equal(before.Session.Id, after.Session.Id);
        Assert.Equal("unprotected-reply", after.ReplyVerdict.Result.Reason);
        Assert.Equal("unprotected-reply", again.ReplyVerdict.Result.Reason);
        Assert.Equal([("session", "revoked-session"), ("session", "revoked-session")], h.EventReasons);
        Assert.Equal("revoked-session", accepted.EndReason);

        // The refusal renews the initiator's session once it is old enough; the revoked key cannot make a new one.
        h.Time.Advance(SessionTable.RenewalBackoff);
        await h.SendAsync(mallory, bank, "renews");
        var refused = await Assert.ThrowsAsync<DefenseException>(() => h.SendAsync(mallory, bank, "no new session"));
        Assert.Equal("handshake-refused", refused.Reason);
        Assert.Equal(("session", "untrusted-peer"), h.EventReasons[^1]);
    }

    [Fact]
    public async Task ASessionMadeWithAStillValidKeySurvivesAnotherPrincipalsRevocation()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac"));
        var carol = AddUnaware(h, "customer/2", "encrypt+mac");
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac"));
        var first = await h.SendAsync(alice, bank, "a1");
        await h.SendAsync(carol, bank, "c1");

        h.Trust.Revoke("customer/2", 1);
        var second = await h.SendAsync(alice, bank, "a2");
        var carolAfter = await h.SendAsync(carol, bank, "c2");
        h.Trust.Revoke("payments/9", 3); // the epoch moves again: checked again, still valid
        var third = await h.SendAsync(alice, bank, "a3");

        Assert.Equal(["re:a2", "re:a3"], new[] { second.ReplyText, third.ReplyText });
        Assert.Equal(first.Session.Id, third.Session.Id);
        Assert.Equal(2, h.Wire.Handshakes);
        Assert.Equal(OpenOutcome.Reject, carolAfter.ReplyVerdict.Result.Outcome);
        Assert.Equal([("session", "revoked-session")], h.EventReasons);
    }

    [Fact]
    public async Task AnInitiatorWhoseKeyWasRotatedMovesToItsNewKeyAtOnceAndIsNeverRefused()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        var before = await h.SendAsync(alice, bank, "before");

        h.Keys.Rotate("customer/1");                 // the key store signs with version 2 from now on…
        var rotated = await h.SendAsync(alice, bank, "rotated");
        h.Trust.Revoke("customer/1", 1);             // …and the revocation of version 1 reaches the trust store later
        var revoked = await h.SendAsync(alice, bank, "revoked");

        Assert.Equal(["re:rotated", "re:revoked"], new[] { rotated.ReplyText, revoked.ReplyText });
        Assert.NotEqual(before.Session.Id, rotated.Session.Id);
        Assert.Equal((1, 2), (before.Session.OwnKeyVersion, rotated.Session.OwnKeyVersion));
        Assert.Equal(rotated.Session.Id, revoked.Session.Id);
        Assert.Empty(h.EventReasons);
    }

    [Fact]
    public async Task AnInitiatorSealsNoMoreOnASessionWhoseResponderKeyWasRevokedButStillOpensRepliesInFlight()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        await h.SendAsync(alice, bank, "first");
        var (inFlight, inFlightContext) = await h.SealAsync(alice, bank, "in flight");

        h.Keys.Rotate("account/1");
        h.Trust.Revoke("account/1", 1);
        var renewed = await h.SendAsync(alice, bank, "renewed");
        var late = await h.DeliverAsync(alice, inFlight, inFlightContext);

        Assert.Equal("re:renewed", renewed.ReplyText);
        Assert.Equal((1, 2), (late.Session.PeerKeyVersion, renewed.Session.PeerKeyVersion));
        Assert.Equal("revoked-session", late.Session.EndReason);
        Assert.Equal("re:in flight", late.ReplyText);
        Assert.Equal(2, h.Wire.Handshakes);
        Assert.Empty(h.EventReasons);
    }

    /// <summary>A principal whose environment has no revocation view: it never stops using a session itself.</summary>
    private static LoopbackNode AddUnaware(SessionHarness h, string principal, string stack)
    {
        var environment = new DefenseEnvironment(h.Time, h.Keys, new VerifiersOnly(h.Trust), h.Events, h.Wire);
        var node = new LoopbackNode(principal, SessionHarness.Stack(stack).Build(environment), environment);
        h.Wire.Register(node);
        return node;
    }

    private sealed class VerifiersOnly(ITrustStore inner) : ITrustStore
    {
        public ValueTask<ISignatureVerifier?> GetVerifierAsync(string principal, int version) => inner.GetVerifierAsync(principal, version);
    }
}
