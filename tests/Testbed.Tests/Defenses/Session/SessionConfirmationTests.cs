using Testbed.Defenses;
using Testbed.Defenses.Session;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.Session.Fakes;
using Xunit;

namespace Testbed.Tests.Defenses.Session;

/// <summary>Implicit key confirmation: a session the responder accepted goes live only once a request on it passed every layer.</summary>
public sealed class SessionConfirmationTests
{
    [Theory]
    [InlineData("encrypt")]
    [InlineData("mac")]
    [InlineData("")] // a session that applies no protection: accepting a request is all there is to confirm it
    public async Task AnAcceptedSessionWaitsForTheFirstRequestOnIt(string stack)
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack(stack));
        var bank = h.Add("account/1", SessionHarness.Stack(stack));

        var (sealedRequest, context) = await h.SealAsync(alice, bank, "one"); // runs the handshake, sends nothing yet
        var sessions = SessionTable.Of(bank.Endpoint).Peer(alice.Principal);
        var accepted = sessions.LatestAccepted!;

        Assert.False(accepted.IsConfirmed);
        Assert.Empty(sessions.Confirmed);
        Assert.True(((SessionState)context.Session!).IsConfirmed); // the initiator checked the responder's signature

        var exchange = await h.DeliverAsync(alice, sealedRequest, context);

        Assert.Equal("re:one", exchange.ReplyText);
        Assert.True(accepted.IsConfirmed);
        Assert.Same(accepted, Assert.Single(sessions.Confirmed));
    }

    [Fact]
    public async Task HellosReplayedAfterAReactivationCannotPushOutTheLiveSession()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        var hellos = new List<Envelope>();
        h.Wire.OnRequest = e => { if (e.Kind == EnvelopeKind.Handshake) { hellos.Add(e); } return e; };
        for (var i = 0; i < SessionTable.PeerSessions.Unconfirmed + 2; i++)
        {
            await h.SendAsync(alice, bank, $"before {i}");
            alice.Reactivate(); // the next send handshakes again: one recorded hello per send
        }

        h.Wire.OnRequest = null;
        bank.Reactivate(); // forgets the randoms it accepted
        var live = await h.SendAsync(alice, bank, "live");
        var replays = new List<PipelineVerdict>();
        foreach (var hello in hellos)
        {
            replays.Add(await SessionHarness.OpenRequestAsync(bank, hello));
        }

        var after = await h.SendAsync(alice, bank, "after");

        Assert.All(replays, v => Assert.Equal(EnvelopeKind.HandshakeReply, v.Result.Envelope!.Kind)); // each made a session ...
        Assert.Equal("re:after", after.ReplyText); // ... and none pushed the live one out
        Assert.Same(live.Session, after.Session);
        var sessions = SessionTable.Of(bank.Endpoint).Peer(alice.Principal);
        Assert.Equal(live.Session.Id, Assert.Single(sessions.Confirmed).Id);
        Assert.False(sessions.LatestAccepted!.IsConfirmed);
        Assert.Equal(hellos.Count + 1, h.Wire.Handshakes);
        Assert.Empty(h.Events.Events);
    }

    [Fact]
    public async Task OnlyTheNewestUnconfirmedSessionsWaitAndAnOlderOneIsRetiredForANewer()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        var pending = new List<(Envelope Sealed, MessageContext Context)>();
        for (var i = 0; i <= SessionTable.PeerSessions.Unconfirmed; i++)
        {
            pending.Add(await h.SealAsync(alice, bank, $"held {i}")); // handshakes, but the requests are held back
            alice.Reactivate();
        }

        var oldest = await h.DeliverAsync(alice, pending[0].Sealed, pending[0].Context);
        var newest = await h.DeliverAsync(alice, pending[^1].Sealed, pending[^1].Context);

        Assert.NotEqual(OpenOutcome.Continue, oldest.ReplyVerdict.Result.Outcome);
        Assert.Equal("unknown-session", bank.Opened[^2].Verdict.Result.Reason); // retired unconfirmed for the fifth
        Assert.Equal($"re:held {SessionTable.PeerSessions.Unconfirmed}", newest.ReplyText);
    }
}
