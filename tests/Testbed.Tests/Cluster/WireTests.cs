using System.Text;
using Testbed.Attacks.Hooks;
using Testbed.Envelopes;
using Testbed.Services.Payments;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class WireTests(ClusterFixture fixture)
{
    private static string Order(string test, int n) => $"{test}-{n}";

    [Fact]
    public async Task Tap_sees_every_envelope_and_most_cross_silos()
    {
        var tap = new EnvelopeRecorder();
        var before = fixture.Cluster.Hooks.Stats.Requests;
        using (fixture.Cluster.Hooks.Attach(tap))
        {
            for (var n = 0; n < 10; n++)
            {
                var outcome = await fixture.Customer(0).Transfer(new TransferCommand(Order("tap", n), PaymentsOptions.Account(1 + n % 3), 5));
                Assert.Equal(OutcomeStatus.Ok, outcome.Status);
            }
        }

        var requests = tap.Seen.Where(s => s.Direction == WireDirection.Request).Select(s => s.Envelope!).ToList();
        var replies = tap.Seen.Where(s => s.Direction == WireDirection.Reply).Select(s => s.Envelope!).ToList();
        // Each transfer: order (customer → payments), debit and credit (payments → accounts), and a reply to each.
        Assert.Equal(30, requests.Count);
        Assert.Equal(30, replies.Count);
        Assert.Equal(30, fixture.Cluster.Hooks.Stats.Requests - before);
        Assert.Equal(10, requests.Count(e => e.Kind == EnvelopeKind.Order && e.Sender == "customer/0"));
        Assert.Equal(10, requests.Count(e => e.Kind == EnvelopeKind.Debit && e.Recipient == "account/0"));
        Assert.Equal(10, requests.Count(e => e.Kind == EnvelopeKind.Credit));
        for (var n = 0; n < 10; n++)
        {
            var id = Order("tap", n);
            Assert.Contains(requests, e => e.Kind == EnvelopeKind.Order && Encoding.UTF8.GetString(e.Payload.Span).Contains(id, StringComparison.Ordinal));
        }

        var crossing = requests.Count(e => fixture.Cluster.HostingSilo(e.Sender) is { } from
                                           && fixture.Cluster.HostingSilo(e.Recipient) is { } to && from != to);
        Assert.True(crossing * 2 > requests.Count, $"only {crossing} of {requests.Count} envelopes crossed silos");
    }

    [Fact]
    public async Task Dropped_order_is_indeterminate_and_not_applied()
    {
        using var _ = fixture.Cluster.Hooks.Attach(new RuleInterceptor(m =>
            m.Envelope is { Kind: EnvelopeKind.Order, Sender: "customer/2" } ? InterceptDecision.Drop : InterceptDecision.Pass));
        var outcome = await fixture.Customer(2).Transfer(new TransferCommand(Order("drop", 0), PaymentsOptions.Account(3), 7));

        Assert.Equal(OutcomeStatus.Info, outcome.Status);
        Assert.Contains("dropped", outcome.Error);
        Assert.DoesNotContain((await fixture.Account(2)).Entries, e => e.OrderId == Order("drop", 0));
    }

    [Fact]
    public async Task Dropped_reply_is_indeterminate_but_applied()
    {
        using var _ = fixture.Cluster.Hooks.Attach(new RuleInterceptor(m =>
            m is { Direction: WireDirection.Reply, Envelope.Kind: EnvelopeKind.OrderReply, Envelope.Recipient: "customer/4" } ? InterceptDecision.Drop : InterceptDecision.Pass));
        var outcome = await fixture.Customer(4).Transfer(new TransferCommand(Order("drop-reply", 0), PaymentsOptions.Account(5), 9));

        Assert.Equal(OutcomeStatus.Info, outcome.Status);
        Assert.Contains((await fixture.Account(4)).Entries, e => e.OrderId == Order("drop-reply", 0) && e.IsDebit);
    }

    [Fact]
    public async Task Duplicated_debit_is_absorbed_by_idempotent_accounts()
    {
        using var _ = fixture.Cluster.Hooks.Attach(new RuleInterceptor(m =>
            m.Envelope is { Kind: EnvelopeKind.Debit, Recipient: "account/7" } ? InterceptDecision.Duplicate(2) : InterceptDecision.Pass));
        var before = (await fixture.Account(7)).Balance;
        var outcome = await fixture.Customer(7).Transfer(new TransferCommand(Order("dup", 0), PaymentsOptions.Account(8), 11));

        Assert.Equal(OutcomeStatus.Ok, outcome.Status);
        var account = await fixture.Account(7);
        Assert.Single(account.Entries, e => e.OrderId == Order("dup", 0));
        Assert.Equal(before - 11, account.Balance);
    }

    [Fact]
    public async Task Injected_order_claiming_a_customer_is_delivered_and_seen_by_taps()
    {
        var victim = fixture.Customers.Profiles[9];
        var tap = new EnvelopeRecorder();
        using var _ = fixture.Cluster.Hooks.Attach(tap);
        var order = new OrderMessage(Order("inject", 0), victim.Account, PaymentsOptions.Account(10), 13, victim.CardNumber, victim.Pin, "");
        var (reply, error) = await fixture.Cluster.Hooks.InjectAsync(new Envelope
        {
            Kind = EnvelopeKind.Order, Sender = victim.Principal, Recipient = "payments/1", Sequence = 1, Payload = PaymentsJson.Encode(order),
        });

        Assert.NotNull(reply);
        Assert.Equal(EnvelopeErrorCode.None, error.Code);
        Assert.Equal(EnvelopeKind.OrderReply, reply.Kind);
        Assert.True(PaymentsJson.TryDecode<OrderResult>(reply.Payload, out var result));
        Assert.Equal(OrderStatus.Applied, result.Status);
        Assert.Equal(victim.Principal, reply.Recipient);
        Assert.Contains((await fixture.Account(9)).Entries, e => e.OrderId == Order("inject", 0) && e.OrderedBy == victim.Principal);
        Assert.Contains(tap.Seen, s => s.Injected && s.Envelope?.Sender == victim.Principal);
    }

    [Theory]
    [InlineData("account/06")]
    [InlineData("account/x/6")]
    [InlineData("bank/account/6")]
    public async Task An_order_to_a_non_canonical_alias_of_an_account_is_declined(string alias)
    {
        // Each alias parses to index 6 loosely, but names another grain: a credit there would leave the checked accounts.
        var outcome = await fixture.Customer(5).Transfer(new TransferCommand(Order("alias", alias.Length), alias, 5));

        Assert.Equal(OutcomeStatus.Fail, outcome.Status);
        Assert.Contains("bad recipient account", outcome.Error);
        Assert.DoesNotContain((await fixture.Account(5)).Entries, e => e.OrderId == Order("alias", alias.Length));
    }

    [Theory]
    [InlineData("account/0", 0)]
    [InlineData("account/17", 17)]
    [InlineData("account/017", -1)]
    [InlineData("account/00", -1)]
    [InlineData("account/x/7", -1)]
    [InlineData("/7", -1)]
    [InlineData("account/", -1)]
    [InlineData("account/+7", -1)]
    [InlineData("account/99999999999", -1)]
    public void Only_canonical_principals_have_an_index(string principal, int index) =>
        Assert.Equal(index, PrincipalAddress.IndexOf(principal));

    [Fact]
    public async Task Malformed_frame_gets_a_rejected_reply_not_an_exception()
    {
        var garbage = new byte[64];
        new Random(1).NextBytes(garbage);
        var reply = EnvelopeCodec.Decode(await fixture.Cluster.Hooks.InjectAsync("account/11", garbage));

        Assert.Equal(EnvelopeKind.Rejected, reply.Kind);
        Assert.StartsWith("malformed envelope", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.Equal(OutcomeStatus.Ok, (await fixture.Customer(11).ReadBalance()).Status);
    }

    [Fact]
    public async Task Corrupted_reply_is_indeterminate()
    {
        using var _ = fixture.Cluster.Hooks.Attach(new RuleInterceptor(m =>
            m is { Direction: WireDirection.Reply, Envelope: { Kind: EnvelopeKind.BalanceReply, Recipient: "customer/3" } }
                ? InterceptDecision.ReplaceFrame(m.Frame.AsSpan(0, m.Frame.Length - 1).ToArray())
                : InterceptDecision.Pass));
        var outcome = await fixture.Customer(3).ReadBalance();

        Assert.Equal(OutcomeStatus.Info, outcome.Status);
        Assert.Contains("malformed reply", outcome.Error);
    }
}
