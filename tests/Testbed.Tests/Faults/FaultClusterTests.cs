using Testbed.Attacks.Faults;
using Testbed.Hosting.Cluster;
using Testbed.Services.Payments;
using Testbed.Tests.Cluster;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Faults;

/// <summary>Faults on the real embedded cluster's wire, measured from the client (the delay fault: <see cref="WireDelayTests"/>, on fake time).</summary>
[Collection(ClusterCollection.Name)]
public sealed class FaultClusterTests(ClusterFixture fixture)
{
    private static string Order(string test, int n) => $"fault-{test}-{n}";

    /// <summary>Opens the fault's window: with a start of 0 it is attached to the wire before RunAsync first waits.</summary>
    private (FaultRuntime Runtime, Task Running, CancellationTokenSource Window) Start(string kind, Dictionary<string, string> options)
    {
        var fault = FaultCatalog.Create(kind, options);
        var runtime = new FaultRuntime(fault, TimeSpan.Zero, TimeSpan.FromMinutes(5),
            new FaultContext(new Random(1), TimeProvider.System, fixture.Cluster.Hooks, new EmbeddedNodeControl(fixture.Cluster)));
        var window = new CancellationTokenSource();
        var running = runtime.RunAsync(window.Token);
        Assert.Contains((IWireInterceptor)fault, fixture.Cluster.Hooks.Interceptors);
        return (runtime, running, window);
    }

    [Fact]
    public async Task Partition_cuts_customers_from_payments_but_not_from_their_accounts_and_heals()
    {
        var (runtime, running, window) = Start("partition", new() { ["sides"] = "customer | payments" });

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
    public async Task A_dropped_credit_is_resent_with_the_same_order_id_and_applied_once()
    {
        var (runtime, running, window) = Start("drop", new() { ["targets"] = "account/6", ["direction"] = "request", ["probability"] = "0.5" });

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
