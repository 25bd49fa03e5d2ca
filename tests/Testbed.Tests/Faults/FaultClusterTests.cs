using System.Diagnostics;
using Testbed.Attacks.Faults;
using Testbed.Hosting.Cluster;
using Testbed.Services.Payments;
using Testbed.Tests.Cluster;
using Xunit;

namespace Testbed.Tests.Faults;

/// <summary>Faults on the real embedded cluster's wire, measured from the client.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FaultClusterTests(ClusterFixture fixture)
{
    private static string Order(string test, int n) => $"fault-{test}-{n}";

    private (FaultRuntime Runtime, Task Running, CancellationTokenSource Window) Start(string kind, Dictionary<string, string> options)
    {
        var runtime = new FaultRuntime(FaultCatalog.Create(kind, options), TimeSpan.Zero, TimeSpan.FromMinutes(5),
            new FaultContext(new Random(1), TimeProvider.System, fixture.Cluster.Hooks, new EmbeddedNodeControl(fixture.Cluster)));
        var window = new CancellationTokenSource();
        return (runtime, runtime.RunAsync(window.Token), window);
    }

    [Fact]
    public async Task Partition_cuts_customers_from_payments_but_not_from_their_accounts_and_heals()
    {
        var (runtime, running, window) = Start("partition", new() { ["sides"] = "customer | payments" });
        await Task.Delay(50); // the window opens on the runtime's first turn

        var cut = await fixture.Customer(9).Transfer(new TransferCommand(Order("partition", 0), PaymentsOptions.Account(10), 3));
        var read = await fixture.Customer(9).ReadBalance();
        await window.CancelAsync();
        await running;
        var healed = await fixture.Customer(9).Transfer(new TransferCommand(Order("partition", 1), PaymentsOptions.Account(10), 3));

        Assert.Equal(OutcomeStatus.Info, cut.Status);
        Assert.Equal(OutcomeStatus.Ok, read.Status);
        Assert.Equal(OutcomeStatus.Ok, healed.Status);
        Assert.Equal(1, runtime.Conclude().Injected);
        Assert.DoesNotContain((await fixture.Account(9)).Entries, e => e.OrderId == Order("partition", 0));
    }

    [Fact]
    public async Task Delay_on_payments_traffic_is_seen_on_each_of_the_six_hops_of_a_transfer()
    {
        var (runtime, running, window) = Start("delay", new() { ["latency"] = "40ms", ["targets"] = "payments/1" });
        await Task.Delay(50);

        // customer/1's orders go to payments/1: order, debit, credit and their three replies all touch it.
        var clock = Stopwatch.StartNew();
        var outcome = await fixture.Customer(1).Transfer(new TransferCommand(Order("delay", 0), PaymentsOptions.Account(2), 4));
        var elapsed = clock.Elapsed;
        await window.CancelAsync();
        await running;

        Assert.Equal(OutcomeStatus.Ok, outcome.Status);
        Assert.True(runtime.Conclude().Injected >= 6); // other traffic through payments/1 may be delayed too
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(6 * 35), // timers may fire a little early
            $"a transfer through six delayed hops took only {elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task A_dropped_credit_is_resent_with_the_same_order_id_and_applied_once()
    {
        var (runtime, running, window) = Start("drop", new() { ["targets"] = "account/6", ["direction"] = "request", ["probability"] = "0.5" });
        await Task.Delay(50);

        var outcomes = new List<OutcomeStatus>();
        for (var n = 0; n < 10; n++)
        {
            outcomes.Add((await fixture.Customer(5).Transfer(new TransferCommand(Order("resend", n), PaymentsOptions.Account(6), 1))).Status);
        }

        await window.CancelAsync();
        await running;

        Assert.True(runtime.Conclude().Injected > 0);
        var credits = (await fixture.Account(6)).Entries.Where(e => e.OrderId.StartsWith(Order("resend", 0)[..^1], StringComparison.Ordinal)).ToArray();
        Assert.Equal(credits.Length, credits.Select(e => e.OrderId).Distinct().Count());
        Assert.Equal(outcomes.Count(o => o == OutcomeStatus.Ok), credits.Length);
    }
}
