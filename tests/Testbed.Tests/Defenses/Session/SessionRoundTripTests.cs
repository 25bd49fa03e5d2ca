using System.Text;
using Testbed.Defenses;
using Testbed.Defenses.Encrypt;
using Testbed.Defenses.Session;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.Session.Fakes;
using Xunit;

namespace Testbed.Tests.Defenses.Session;

public sealed class SessionRoundTripTests
{
    public static TheoryData<string, SessionKeyAgreement, EncryptAlgorithm> Stacks()
    {
        var data = new TheoryData<string, SessionKeyAgreement, EncryptAlgorithm>();
        foreach (var agreement in new[] { SessionKeyAgreement.P256, SessionKeyAgreement.X25519, SessionKeyAgreement.Static })
        {
            foreach (var algorithm in new[] { EncryptAlgorithm.AesGcm, EncryptAlgorithm.ChaCha20Poly1305 })
            {
                data.Add("encrypt", agreement, algorithm);
                data.Add("encrypt+mac", agreement, algorithm);
            }

            data.Add("mac", agreement, EncryptAlgorithm.AesGcm);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task RequestsAndRepliesRoundTripOverOneHandshake(string stack, SessionKeyAgreement agreement, EncryptAlgorithm algorithm)
    {
        var h = new SessionHarness();
        var options = new SessionOptions { KeyAgreement = agreement };
        var alice = h.Add("customer/1", SessionHarness.Stack(stack, options, new EncryptOptions { Algorithm = algorithm }));
        var bank = h.Add("account/1", SessionHarness.Stack(stack, options, new EncryptOptions { Algorithm = algorithm }));

        for (var i = 0; i < 3; i++)
        {
            var exchange = await h.SendAsync(alice, bank, $"pay {i}");

            Assert.Equal($"re:pay {i}", exchange.ReplyText);
            var (verdict, context) = bank.Opened[^1];
            Assert.Equal(OpenOutcome.Continue, verdict.Result.Outcome);
            Assert.Equal($"pay {i}", Encoding.UTF8.GetString(verdict.Result.Envelope!.Payload.Span));
            Assert.True(context.Authenticated);
            var accepted = Assert.IsType<SessionState>(context.Session);
            Assert.False(accepted.IsInitiator);
            Assert.Equal(exchange.Session.Id, accepted.Id);
            Assert.Equal((ulong)(i + 1), exchange.SealedRequest.Sequence);
            Assert.True(KeyIdSegments.TryGet(exchange.SealedRequest.KeyId, "s", out var id));
            Assert.Equal(exchange.Session.IdText, id);
        }

        Assert.Equal(1, h.Wire.Handshakes);
        var session = SessionTable.Of(alice.Endpoint).Peer(bank.Principal).Current!;
        Assert.True(session.IsInitiator);
        Assert.Equal(agreement, session.KeyAgreement);
        Assert.Equal(ProtectionSet.Of(stack.Split('+')), session.Chosen);
        Assert.Equal(1, session.Epoch);
        Assert.Empty(h.Events.Events);
    }

    [Fact]
    public async Task RepliesAreAuthenticatedForTheInitiator()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac"));
        var (sealedRequest, context) = await h.SealAsync(alice, bank, "hello");
        var reply = await h.Wire.SendAsync(sealedRequest);
        var replyContext = context.ForResponse();

        var verdict = await alice.Pipeline.OpenAsync(reply, replyContext);

        Assert.Equal(OpenOutcome.Continue, verdict.Result.Outcome);
        Assert.True(replyContext.Authenticated);
        Assert.Same(context.Session, replyContext.Session);
    }

    [Fact]
    public async Task KeysDifferPerDirectionAndBothEndsAgree()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));

        var exchange = await h.SendAsync(alice, bank, "x");

        var mine = exchange.Session;
        var theirs = (SessionState)bank.Opened[^1].Context.Session!;
        Assert.Equal(mine.Outbound.KeyFingerprint, theirs.Inbound.KeyFingerprint);
        Assert.Equal(mine.Inbound.KeyFingerprint, theirs.Outbound.KeyFingerprint);
        Assert.NotEqual(mine.Outbound.KeyFingerprint, mine.Inbound.KeyFingerprint);
        Assert.True(mine.Outbound.InitiatorToResponder);
        Assert.False(theirs.Outbound.InitiatorToResponder);
    }

    [Fact]
    public async Task EachPairOfPrincipalsGetsItsOwnSessionPerDirectionOfInitiative()
    {
        var h = new SessionHarness();
        var a = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var b = h.Add("account/1", SessionHarness.Stack("encrypt"));
        var c = h.Add("account/2", SessionHarness.Stack("encrypt"));

        var ab = await h.SendAsync(a, b, "1");
        var ac = await h.SendAsync(a, c, "2");
        var ba = await h.SendAsync(b, a, "3");

        Assert.Equal(3, h.Wire.Handshakes);
        Assert.Equal(3, new[] { ab.Session.Id, ac.Session.Id, ba.Session.Id }.Distinct().Count());
        Assert.Equal("re:3", ba.ReplyText);
    }

    [Fact]
    public async Task ConcurrentFirstSendsToOnePeerShareOneHandshake()
    {
        var h = new SessionHarness();
        h.Wire.YieldOnDelivery = true;
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt+mac"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt+mac"));
        Exchange[] exchanges = [];

        await SessionHarness.OnGrainSchedulerAsync(async () =>
            exchanges = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => h.SendAsync(alice, bank, $"m{i}"))));

        Assert.Equal(1, h.Wire.Handshakes);
        Assert.Equal(20, h.Wire.DataRequests);
        Assert.All(exchanges, e => Assert.StartsWith("re:m", e.ReplyText));
        Assert.Single(exchanges.Select(e => e.Session.Id).Distinct());
        Assert.Equal(20, exchanges.Select(e => e.SealedRequest.Sequence).Distinct().Count());
    }

    [Fact]
    public async Task AFailedHandshakeIsNotCachedAndTheNextSendRetries()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        h.Trust.Distrust(alice.Principal);

        var refused = await Assert.ThrowsAsync<DefenseException>(() => h.SendAsync(alice, bank, "first"));
        h.Trust.Restore(alice.Principal);
        var exchange = await h.SendAsync(alice, bank, "second");

        Assert.Equal("handshake-refused", refused.Reason);
        Assert.Equal("re:second", exchange.ReplyText);
        Assert.Equal(2, h.Wire.Handshakes);
        Assert.Equal(1, h.Wire.DataRequests);
    }

    [Fact]
    public async Task WithoutProtectionLayersTheSessionNegotiatesNothingAndDataIsUnauthenticated()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", new DefensePipelineBuilder().AddSession());
        var bank = h.Add("account/1", new DefensePipelineBuilder().AddSession());

        var exchange = await h.SendAsync(alice, bank, "plain");

        Assert.Equal("re:plain", exchange.ReplyText);
        Assert.Empty(exchange.Session.Chosen);
        Assert.False(bank.Opened[^1].Context.Authenticated);
        Assert.Equal(EnvelopeKind.Order, exchange.SealedRequest.Kind);
    }
}
