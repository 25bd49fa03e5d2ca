using System.Collections.Concurrent;
using Testbed.Attacks.Hooks;
using Testbed.Checking;
using Testbed.Envelopes;
using Testbed.Hosting.Runs;
using Testbed.History;
using Testbed.Scenarios;
using Testbed.Services.Payments;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Cluster;

/// <summary>The workload retries indeterminate transfers with the same order id and records one completion per order.</summary>
public sealed class WorkloadRetryTests
{
    private static Scenario Inline(string name, string workload) => ScenarioLoader.Parse(
        $"name: {name}\nseed: 21\nworkload:\n{workload}\nexpect:\n  invariants: all\n", $"{name}.yaml", TestbedCatalog.Default);

    /// <summary>
    /// Drops the reply to the first attempt of every order (one client at a time, so the reply after an order request is
    /// its reply): the order was applied, the customer sees an error (info). (A lost debit or credit no longer reaches the
    /// client: the payment service resends it itself.)
    /// </summary>
    private static RuleInterceptor DropFirstOrderReply()
    {
        var seen = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var dropNextReply = 0;
        return new RuleInterceptor(m =>
        {
            if (m.Envelope is { Kind: EnvelopeKind.Order } e && PaymentsJson.TryDecode<OrderMessage>(e.Payload, out var order))
            {
                Interlocked.Exchange(ref dropNextReply, seen.TryAdd(order.OrderId, true) ? 1 : 0);
                return InterceptDecision.Pass;
            }

            return m.Envelope is { Kind: EnvelopeKind.OrderReply } && Interlocked.Exchange(ref dropNextReply, 0) == 1
                ? InterceptDecision.Drop
                : InterceptDecision.Pass;
        });
    }

    private static Dictionary<string, int> InvokesPerOrder(ScenarioResult result) => result.History
        .Where(o => o.Type == OpType.Invoke && o.Transfer is not null)
        .GroupBy(o => o.Transfer!.OrderId)
        .ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public async Task Retry_with_the_same_order_id_after_a_lost_reply_applies_the_order_once()
    {
        var scenario = Inline("retry-idempotent", "  accounts: 6\n  operations: 150\n  readFraction: 0\n  concurrency: 1\n  retries: 2");
        var result = await ScenarioRunner.RunAsync(scenario, new RunOptions { OnClusterStarted = c => c.Hooks.Attach(DropFirstOrderReply()) });

        Assert.True(result.Passed, string.Join("; ", result.Expectations.Where(e => !e.Passed).Select(e => $"{e.Name}: {e.Detail}")));
        Assert.True(result.Wire.Dropped > 0);
        Assert.Equal(result.Wire.Dropped, result.Operations.Retries);
        Assert.Equal(0, result.Operations.Info);
        Assert.All(InvokesPerOrder(result), order => Assert.Equal(1, order.Value));
        Assert.Equal(result.Operations.Ok + result.Operations.Fail, result.History.Count(o => o.Type == OpType.Invoke));
    }

    [Fact]
    public async Task Without_idempotent_accounts_a_retry_applies_the_order_twice_and_the_checker_says_so()
    {
        var scenario = Inline("retry-not-idempotent", "  accounts: 6\n  operations: 60\n  readFraction: 0\n  concurrency: 1\n  retries: 2\n  idempotentOrders: false");
        var result = await ScenarioRunner.RunAsync(scenario, new RunOptions { OnClusterStarted = c => c.Hooks.Attach(DropFirstOrderReply()) });

        Assert.True(result.Operations.Retries > 0);
        var atMostOnce = result.Invariants.Single(i => i.Name == Invariants.AtMostOnce);
        Assert.False(atMostOnce.Holds);
        Assert.Contains("applied more than once", atMostOnce.Counterexamples[0]);
    }

    [Fact]
    public async Task A_decline_after_an_indeterminate_attempt_is_recorded_as_info_not_fail()
    {
        // Attempt 1 of every order is dropped on its way (info); the retry goes through and is applied, but its reply is
        // replaced by a forged decline. Recording that order as fail would be wrong: it was applied.
        var attempts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var declineNextReply = 0;
        var interceptor = new RuleInterceptor(m =>
        {
            if (m.Envelope is { Kind: EnvelopeKind.Order } order && PaymentsJson.TryDecode<OrderMessage>(order.Payload, out var message))
            {
                if (attempts.AddOrUpdate(message.OrderId, 1, (_, n) => n + 1) == 1)
                {
                    return InterceptDecision.Drop;
                }

                Interlocked.Exchange(ref declineNextReply, 1);
                return InterceptDecision.Pass;
            }

            return m.Envelope is { Kind: EnvelopeKind.OrderReply } reply && Interlocked.Exchange(ref declineNextReply, 0) == 1
                && PaymentsJson.TryDecode<OrderResult>(reply.Payload, out var answered)
                ? InterceptDecision.Replace(reply with { Payload = PaymentsJson.Encode(answered with { Status = OrderStatus.Declined, Reason = "forged decline" }) })
                : InterceptDecision.Pass;
        });
        var scenario = Inline("retry-declined", "  accounts: 4\n  operations: 20\n  readFraction: 0\n  concurrency: 1\n  retries: 1");
        Hosting.Cluster.EmbeddedCluster? cluster = null;
        IReadOnlyList<AccountState> finalState = [];
        var result = await ScenarioRunner.RunAsync(scenario, new RunOptions
        {
            OnClusterStarted = c =>
            {
                cluster = c;
                c.Hooks.Attach(interceptor);
            },
            BeforeFinalRead = async () => finalState = await ScenarioRunner.ReadFinalStateAsync(cluster!.Client, 4),
        });

        Assert.Equal(20, result.Operations.Info);
        Assert.Equal(20, result.Operations.Retries);
        Assert.Equal(0, result.Operations.Fail);
        Assert.All(result.History.Where(o => o.Type == OpType.Info), o => Assert.Contains("after an indeterminate attempt", o.Error));
        Assert.All(result.Invariants, i => Assert.True(i.Holds, $"{i.Name}: {string.Join("; ", i.Counterexamples)}"));
        var debited = finalState.SelectMany(a => a.Applied).Where(e => e.Direction == EntryDirection.Debit).Select(e => e.OrderId).ToHashSet();
        Assert.All(result.History.Where(o => o.Type == OpType.Invoke), o => Assert.Contains(o.Transfer!.OrderId, debited));
    }
}
