using Testbed.Defenses;
using Testbed.Defenses.Authz;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.GuardsSupport;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Defenses.Authz;

public class AuthzLayerTests
{
    private static GuardHarness Harness(AuthzOptions? options = null) => new(b => b.AddAuthz(options));

    [Fact]
    public void Allowed_requests_pass_and_denied_ones_are_recorded()
    {
        var h = Harness();
        Assert.Null(h.Reason(GuardHarness.Message("customer/1", "payments/0", EnvelopeKind.Order)));
        Assert.Null(h.Reason(GuardHarness.Message("customer/1", "account/1", EnvelopeKind.BalanceQuery)));
        Assert.Equal(AuthzLayer.Denied, h.Reason(GuardHarness.Message("customer/1", "account/2", EnvelopeKind.BalanceQuery)));
        Assert.Equal(AuthzLayer.Denied, h.Reason(GuardHarness.Message("customer/1", "account/1", EnvelopeKind.Debit)));
        Assert.Equal([("authz", "denied", "customer/1"), ("authz", "denied", "customer/1")], h.EventList);
        Assert.Equal(["account/2", "account/1"], h.Events.Events.Select(e => e.Recipient));
    }

    [Fact]
    public async Task The_receiving_endpoint_not_the_claimed_recipient_is_judged()
    {
        var h = Harness();
        var forged = GuardHarness.Message("customer/1", "account/1", EnvelopeKind.BalanceQuery);
        var context = new MessageContext { Endpoint = h.Endpoint("account/2"), Peer = "customer/1", Direction = WireDirection.Request };
        var verdict = await h.Pipeline.OpenAsync(forged, context);
        Assert.Equal((OpenOutcome.Reject, "authz", "denied"), (verdict.Result.Outcome, verdict.Layer, verdict.Result.Reason));
    }

    [Fact]
    public async Task Replies_and_handshakes_pass()
    {
        var h = Harness(new AuthzOptions { Policy = AuthzPolicy.Parse("allow: []", "deny-all") });
        Assert.Null(h.Reason(GuardHarness.Message("account/9", "customer/1", EnvelopeKind.BalanceReply), WireDirection.Reply));
        var layer = h.Layer<AuthzLayer>(); // handshakes belong to the session layer (a pipeline without one refuses them)
        var offer = GuardHarness.Message("evil/1", "payments/0", EnvelopeKind.Handshake);
        Assert.Same(offer, (await layer.OpenAsync(offer, new MessageContext { Endpoint = h.Endpoint("payments/0"), Peer = "evil/1", Direction = WireDirection.Request })).Envelope);
        Assert.Equal(DefensePipeline.UnexpectedHandshake, h.Reason(offer));
        Assert.Equal(AuthzLayer.Denied, h.Reason(GuardHarness.Message("customer/1", "payments/0", EnvelopeKind.Order)));
        Assert.Equal(AuthzLayer.Denied, h.Reason(GuardHarness.Message("account/9", "customer/1", EnvelopeKind.BalanceReply)));
    }

    [Fact]
    public void Authz_is_open_only_and_last()
    {
        var h = new GuardHarness(b => b.AddAuthz().AddLayer("session", _ => new PassThroughSessionLayer()));
        Assert.Equal(["session", "authz"], h.Pipeline.Names);
        var m = GuardHarness.Message("customer/1", "payments/0", EnvelopeKind.Order);
        Assert.Same(m, h.Seal(m));
    }
}
