using Testbed.Defenses;
using Testbed.Defenses.Session;
using Testbed.Tests.Defenses.Session.Fakes;
using Xunit;

namespace Testbed.Tests.Defenses.Session;

public sealed class SessionRekeyTests
{
    [Fact]
    public async Task RekeysAfterNMessagesSent()
    {
        var h = new SessionHarness();
        var options = new SessionOptions { RekeyAfterMessages = 3 };
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt", options));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt", options));

        var sessions = new List<SessionState>();
        for (var i = 0; i < 7; i++)
        {
            var exchange = await h.SendAsync(alice, bank, $"m{i}");
            Assert.Equal($"re:m{i}", exchange.ReplyText);
            sessions.Add(exchange.Session);
        }

        Assert.Equal(3, h.Wire.Handshakes);
        Assert.Equal([1, 1, 1, 2, 2, 2, 3], sessions.Select(s => s.Epoch));
        Assert.Single(sessions.Take(3).Select(s => s.Id).Distinct());
        Assert.NotEqual(sessions[2].Id, sessions[3].Id);
        Assert.NotEqual(sessions[2].Outbound.KeyFingerprint, sessions[3].Outbound.KeyFingerprint);
        Assert.True(sessions[0].IsRetired); // epoch 3 started: only epochs 2 and 3 are kept
        Assert.False(sessions[3].IsRetired);
    }

    [Fact]
    public async Task RekeysWhenTheSessionReachesItsMaximumAge()
    {
        var h = new SessionHarness();
        var options = new SessionOptions { RekeyAfter = TimeSpan.FromMinutes(10) };
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac", options));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac", options));

        var first = await h.SendAsync(alice, bank, "t0");
        h.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        var beforeEdge = await h.SendAsync(alice, bank, "t-1");
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        var atEdge = await h.SendAsync(alice, bank, "t");

        Assert.Equal(first.Session.Id, beforeEdge.Session.Id);
        Assert.NotEqual(first.Session.Id, atEdge.Session.Id);
        Assert.Equal(2, atEdge.Session.Epoch);
        Assert.Equal(h.Time.GetUtcNow(), atEdge.Session.Created);
        Assert.Equal(2, h.Wire.Handshakes);
        Assert.Equal("re:t", atEdge.ReplyText);
    }

    [Fact]
    public async Task TheSessionBeforeARekeyStillCarriesInFlightRequestsAndReplies()
    {
        var h = new SessionHarness();
        var options = new SessionOptions { RekeyAfterMessages = 2 };
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac", options));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac", options));

        var (held, heldContext) = await h.SealAsync(alice, bank, "in flight"); // epoch 1, message 1
        await h.SendAsync(alice, bank, "second");                               // epoch 1, message 2
        var rekeyed = await h.SendAsync(alice, bank, "third");                  // epoch 2
        var late = await h.DeliverAsync(alice, held, heldContext);

        Assert.Equal(2, rekeyed.Session.Epoch);
        Assert.Equal("re:in flight", late.ReplyText);
        Assert.Equal(1, late.Session.Epoch);
    }

    [Fact]
    public async Task SessionsOlderThanTheGraceAreRetiredAndRejected()
    {
        var h = new SessionHarness();
        var options = new SessionOptions { RekeyAfterMessages = 1 };
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt", options));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt", options));

        var (held, heldContext) = await h.SealAsync(alice, bank, "too late"); // epoch 1
        await h.SendAsync(alice, bank, "e2");
        await h.SendAsync(alice, bank, "e3");
        var late = await h.DeliverAsync(alice, held, heldContext);

        Assert.True(((SessionState)heldContext.Session!).IsRetired);
        Assert.Equal(OpenOutcome.Reject, bank.Opened[^1].Verdict.Result.Outcome);
        Assert.Equal(("session", "unknown-session"), h.EventReasons[0]);
        Assert.Equal(OpenOutcome.Reject, late.ReplyVerdict.Result.Outcome);
    }

    [Fact]
    public async Task RekeyUnderConcurrentSendsStillRunsOneHandshakeAtATime()
    {
        var h = new SessionHarness();
        h.Wire.YieldOnDelivery = true;
        var options = new SessionOptions { RekeyAfterMessages = 4 };
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac", options));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac", options));
        Exchange[] exchanges = [];

        await SessionHarness.OnGrainSchedulerAsync(async () =>
            exchanges = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => h.SendAsync(alice, bank, $"m{i}"))));

        Assert.All(exchanges, e => Assert.StartsWith("re:m", e.ReplyText));
        Assert.All(exchanges.GroupBy(e => e.Session.Id), g => Assert.InRange(g.Count(), 1, 4));
        Assert.Equal(exchanges.Select(e => e.Session.Id).Distinct().Count(), h.Wire.Handshakes);
    }
}
