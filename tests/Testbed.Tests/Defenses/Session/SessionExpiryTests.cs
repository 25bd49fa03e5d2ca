using Testbed.Defenses;
using Testbed.Defenses.Session;
using Testbed.Tests.Defenses.Session.Fakes;
using Xunit;

namespace Testbed.Tests.Defenses.Session;

/// <summary>
/// The responder enforces the session policy itself: an initiator that does not rekey (a peer with another policy, or
/// an adversary holding a session it opened with a stolen key) is refused once the session is too old or has carried
/// too many requests, and an honest initiator then renews with a new handshake.
/// </summary>
public sealed class SessionExpiryTests
{
    private static readonly SessionOptions Responder = new()
    {
        RekeyAfter = TimeSpan.FromMinutes(10), RekeyGrace = TimeSpan.FromMinutes(1), RekeyAfterMessages = 3,
    };

    // Rekeys by neither age nor count within these tests.
    private static readonly SessionOptions NeverRekeys = new() { RekeyAfter = TimeSpan.FromDays(1), RekeyAfterMessages = 1_000_000 };

    [Fact]
    public async Task TheResponderRefusesASessionOlderThanRekeyAfterPlusGraceAndTheInitiatorRenews()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt", NeverRekeys));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt", Responder with { RekeyAfterMessages = 1_000 }));

        var first = await h.SendAsync(alice, bank, "t0");
        h.Time.Advance(TimeSpan.FromMinutes(11) - TimeSpan.FromMilliseconds(1));
        var inGrace = await h.SendAsync(alice, bank, "in grace");
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        var expired = await h.SendAsync(alice, bank, "expired");
        var renewed = await h.SendAsync(alice, bank, "renewed");

        Assert.Equal("re:in grace", inGrace.ReplyText);
        Assert.Equal(first.Session.Id, expired.Session.Id);
        var refused = bank.Opened.Single(o => o.Verdict.Result.Outcome == OpenOutcome.Reject).Verdict;
        Assert.Equal(("session", "session-expired"), (refused.Layer, refused.Result.Reason));
        Assert.Equal("unprotected-reply", expired.ReplyVerdict.Result.Reason);
        Assert.Equal([("session", "session-expired")], h.EventReasons);
        Assert.Equal("re:renewed", renewed.ReplyText);
        Assert.NotEqual(first.Session.Id, renewed.Session.Id);
        Assert.Equal(2, h.Wire.Handshakes);
    }

    [Fact]
    public async Task TheResponderRefusesTheRequestAfterRekeyAfterMessagesAndTheInitiatorRenews()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac", NeverRekeys));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac", Responder));

        var accepted = new List<Exchange>();
        for (var i = 0; i < 3; i++)
        {
            accepted.Add(await h.SendAsync(alice, bank, $"m{i}"));
        }

        var fourth = await h.SendAsync(alice, bank, "m3");
        var again = await h.SendAsync(alice, bank, "m3 again"); // the refusal renews only a session older than the backoff
        h.Time.Advance(SessionTable.RenewalBackoff);
        var refusedAfterBackoff = await h.SendAsync(alice, bank, "m3 once more");
        var renewed = await h.SendAsync(alice, bank, "m4");

        Assert.All(accepted, e => Assert.StartsWith("re:m", e.ReplyText));
        Assert.Equal(6, accepted[0].Session.MessagesSent); // 3 accepted, 3 refused, then renewed
        Assert.Equal(3, ((SessionState)bank.Opened[1].Context.Session!).MessagesReceived);
        Assert.Equal(OpenOutcome.Reject, fourth.ReplyVerdict.Result.Outcome);
        Assert.Equal(OpenOutcome.Reject, again.ReplyVerdict.Result.Outcome);
        Assert.Equal(OpenOutcome.Reject, refusedAfterBackoff.ReplyVerdict.Result.Outcome);
        Assert.Equal(Enumerable.Repeat(("session", "session-expired"), 3), h.EventReasons);
        Assert.Equal("re:m4", renewed.ReplyText);
        Assert.NotEqual(accepted[0].Session.Id, renewed.Session.Id);
        Assert.Equal(2, h.Wire.Handshakes);
        Assert.Equal(1, ((SessionState)bank.Opened[^1].Context.Session!).MessagesReceived);
    }

    [Fact]
    public async Task OnlyAcceptedRequestsCountTowardsTheLimit()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt", NeverRekeys));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt", Responder));
        var (sealedRequest, _) = await h.SealAsync(alice, bank, "pay");

        // Forgeries claiming the session (its id, a fresh sequence, a ciphertext its keys did not make): refused, not counted.
        for (var i = 0; i < 5; i++)
        {
            var forged = sealedRequest with { Sequence = 100 + (ulong)i, Payload = new byte[sealedRequest.Payload.Length] };
            Assert.Equal(OpenOutcome.Reject, (await SessionHarness.OpenRequestAsync(bank, forged)).Result.Outcome);
        }

        Assert.Equal(OpenOutcome.Continue, (await SessionHarness.OpenRequestAsync(bank, sealedRequest)).Result.Outcome);
        var second = await h.SendAsync(alice, bank, "second");
        var third = await h.SendAsync(alice, bank, "third");

        Assert.Equal("re:second", second.ReplyText);
        Assert.Equal("re:third", third.ReplyText);
        Assert.Equal(3, third.Session.MessagesSent);
        Assert.Equal(Enumerable.Repeat(("encrypt", "decrypt-failed"), 5), h.EventReasons);
    }

    [Fact]
    public async Task PeersWithTheSamePolicyRekeyBeforeTheResponderWouldRefuse()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt", Responder));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt", Responder));

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal($"re:m{i}", (await h.SendAsync(alice, bank, $"m{i}")).ReplyText);
            h.Time.Advance(TimeSpan.FromMinutes(4));
        }

        Assert.Empty(h.EventReasons);
    }
}
