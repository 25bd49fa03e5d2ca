using System.Text;
using Testbed.Defenses;
using Testbed.Defenses.Session;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.Session.Fakes;
using Xunit;

namespace Testbed.Tests.Defenses.Session;

public sealed class SessionLookupTests
{
    [Theory]
    [InlineData("encrypt", "session", "unknown-session")]
    [InlineData("mac", "mac", "no-session")]
    [InlineData("encrypt+mac", "mac", "no-session")]
    public async Task AnEnvelopeWithAnUnknownSessionIdIsRejectedButTheEmptyPipelineAcceptsIt(string stack, string layer, string reason)
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack(stack));
        var bank = h.Add("account/1", SessionHarness.Stack(stack));
        var (sealedRequest, _) = await h.SealAsync(alice, bank, "pay");
        var forged = sealedRequest with { KeyId = "s=0123456789abcdef" };

        var verdict = await SessionHarness.OpenRequestAsync(bank, forged);
        var undefended = await DefensePipeline.Empty.OpenAsync(forged, new MessageContext
        {
            Endpoint = bank.Endpoint, Peer = forged.Sender, Direction = Testbed.Wire.WireDirection.Request,
        });

        Assert.Equal(OpenOutcome.Reject, verdict.Result.Outcome);
        Assert.Equal(layer, verdict.Layer);
        Assert.Equal(reason, verdict.Result.Reason);
        Assert.Equal([(layer, reason)], h.EventReasons);
        Assert.Equal(OpenOutcome.Continue, undefended.Result.Outcome);
        Assert.Equal(OpenOutcome.Continue, (await SessionHarness.OpenRequestAsync(bank, sealedRequest)).Result.Outcome);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s=")]
    [InlineData("s=0123")]
    [InlineData("s=0123456789ABCDEF")]
    [InlineData("s=0123456789abcdeg")]
    [InlineData("k=1")]
    public async Task AMissingOrMalformedSessionSegmentIsAnUnknownSession(string keyId)
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        var (sealedRequest, _) = await h.SealAsync(alice, bank, "pay");

        var verdict = await SessionHarness.OpenRequestAsync(bank, sealedRequest with { KeyId = keyId });

        Assert.Equal(("session", "unknown-session"), (verdict.Layer, verdict.Result.Reason));
    }

    [Fact]
    public async Task AReplyMustComeBackOnTheSessionItsRequestWentOut()
    {
        var h = new SessionHarness();
        var options = new SessionOptions { RekeyAfterMessages = 1 };
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt", options));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt", options));
        var first = await h.SendAsync(alice, bank, "one");
        var second = await h.SendAsync(alice, bank, "two");

        var crossed = await alice.Pipeline.OpenAsync(second.WireReply, first.Context.ForResponse());

        Assert.NotEqual(first.Session.Id, second.Session.Id);
        Assert.Equal(("session", "wrong-session"), (crossed.Layer, crossed.Result.Reason));
    }

    [Theory]
    [InlineData("encrypt", "encrypt")]
    [InlineData("mac", "mac")]
    [InlineData("encrypt+mac", "mac")]
    public async Task AWithheldReplyDeliveredAsTheAnswerToALaterRequestIsAReplyMismatch(string stack, string layer)
    {
        var h = new SessionHarness();
        var alice = h.Add("payments/0", SessionHarness.Stack(stack));
        var bank = h.Add("account/1", SessionHarness.Stack(stack));
        var (first, _) = await h.SealAsync(alice, bank, "debit o-1");
        var withheld = await h.Wire.SendAsync(first); // the adversary keeps this reply; alice never sees it
        var (second, secondContext) = await h.SealAsync(alice, bank, "debit o-2");
        var genuine = await h.Wire.SendAsync(second);

        var swapped = await alice.Pipeline.OpenAsync(withheld, secondContext.ForResponse());
        var answered = await alice.Pipeline.OpenAsync(genuine, secondContext.ForResponse());

        Assert.Equal((first.Sequence, second.Sequence), (withheld.InReplyTo, genuine.InReplyTo));
        Assert.Equal((layer, DefensePipeline.ReplyMismatch), (swapped.Layer, swapped.Result.Reason));
        Assert.Equal([(layer, DefensePipeline.ReplyMismatch)], h.EventReasons);
        Assert.Equal("re:debit o-2", Encoding.UTF8.GetString(answered.Result.Envelope!.Payload.Span));
    }

    [Fact]
    public async Task AReplyReflectedBackAsARequestFailsUnderTheOtherDirectionsKey()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        var exchange = await h.SendAsync(alice, bank, "one");

        // The bank's reply, presented back to the bank as if it were a request from alice on the same session.
        var reflected = exchange.WireReply with { Sender = alice.Principal, Recipient = bank.Principal };
        var verdict = await SessionHarness.OpenRequestAsync(bank, reflected);

        Assert.Equal(("encrypt", "decrypt-failed"), (verdict.Layer, verdict.Result.Reason));
    }

    [Fact]
    public async Task AnUnprotectedRejectionRenewsTheSessionOnTheNextSend()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        var before = await h.SendAsync(alice, bank, "one");
        bank.Reactivate(); // the bank's activation lost its sessions
        h.Time.Advance(SessionTable.RenewalBackoff);

        var lost = await h.SendAsync(alice, bank, "two");
        var after = await h.SendAsync(alice, bank, "three");

        Assert.Equal(EnvelopeKind.Rejected, lost.WireReply.Kind);
        Assert.Equal(("session", "unprotected-reply"), (lost.ReplyVerdict.Layer, lost.ReplyVerdict.Result.Reason));
        Assert.Equal("re:three", after.ReplyText);
        Assert.NotEqual(before.Session.Id, after.Session.Id);
        Assert.Equal(2, h.Wire.Handshakes);
        Assert.Equal([("session", "unknown-session")], h.EventReasons); // the bank's refusal; alice's refusal of it is its consequence
    }

    [Fact]
    public async Task ForgedUnprotectedRejectionsRenewASessionAtMostOncePerBackoff()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        await h.SendAsync(alice, bank, "one");
        h.Time.Advance(SessionTable.RenewalBackoff);
        h.Wire.OnReply = reply => reply.Kind == EnvelopeKind.HandshakeReply ? reply // an in-path forger of refusals
            : reply with { Kind = EnvelopeKind.Rejected, KeyId = "", Tag = ReadOnlyMemory<byte>.Empty };

        for (var i = 0; i < 10; i++)
        {
            var refused = await h.SendAsync(alice, bank, $"forged {i}");
            Assert.Equal("unprotected-reply", refused.ReplyVerdict.Result.Reason);
        }

        Assert.Equal(2, h.Wire.Handshakes); // the first session, and one renewal for ten forged refusals
        Assert.Empty(h.EventReasons);
    }

    [Fact]
    public async Task AHandshakeReplySentAsARequestOrAGarbledHelloIsABadHandshake()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        var garbled = h.Request(alice, bank, "not a hello", EnvelopeKind.Handshake);
        var stray = h.Request(alice, bank, "not a reply", EnvelopeKind.HandshakeReply);

        var first = await SessionHarness.OpenRequestAsync(bank, garbled);
        var second = await SessionHarness.OpenRequestAsync(bank, stray);

        Assert.Equal("bad-handshake", first.Result.Reason);
        Assert.Equal("bad-handshake", second.Result.Reason);
    }

    [Fact]
    public async Task ARecordedHelloCannotBeReplayedForwardedOrUsedLate()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        var carol = h.Add("account/2", SessionHarness.Stack("encrypt"));
        Envelope? hello = null;
        h.Wire.OnRequest = e => { hello ??= e.Kind == EnvelopeKind.Handshake ? e : null; return e; };
        await h.SendAsync(alice, bank, "one");
        Assert.NotNull(hello);

        var replayed = await SessionHarness.OpenRequestAsync(bank, hello);
        var forwarded = await SessionHarness.OpenRequestAsync(carol, hello with { Recipient = carol.Principal });
        h.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromMilliseconds(1));
        bank.Reactivate(); // even an endpoint that forgot the random refuses a hello older than the window
        var late = await SessionHarness.OpenRequestAsync(bank, hello);

        Assert.Equal("replayed-handshake", replayed.Result.Reason);
        Assert.Equal("bad-handshake", forwarded.Result.Reason);
        Assert.Equal("stale-handshake", late.Result.Reason);
    }

    [Fact]
    public async Task AHelloWithinTheWindowIsAcceptedEvenWithSkewedClocks()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        Envelope? hello = null;
        h.Wire.OnRequest = e => { hello ??= e.Kind == EnvelopeKind.Handshake ? e : null; return e; };
        await h.SendAsync(alice, bank, "one");
        var other = h.Add("account/1", SessionHarness.Stack("encrypt")); // same principal, new activation, clock 5 minutes ahead
        h.Time.Advance(TimeSpan.FromMinutes(5));

        var verdict = await SessionHarness.OpenRequestAsync(other, hello!);

        Assert.Equal(OpenOutcome.Respond, verdict.Result.Outcome);
        Assert.Equal(EnvelopeKind.HandshakeReply, verdict.Result.Envelope!.Kind);
        Assert.Equal(Encoding.ASCII.GetBytes("SH"), verdict.Result.Envelope.Payload[..2].ToArray());
    }
}
