using Testbed.Checking;
using Testbed.Hosting.Cluster;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Testbed.Services.Payments;
using Xunit;
using Xunit.Abstractions;

namespace Testbed.Tests.Storage;

/// <summary>Silos crash mid-workload, again and again: no acknowledged transfer is lost and every invariant holds.</summary>
/// <remarks>
/// Where a killed silo's accounts come back is not fixed: <c>SpreadPlacement</c> maps a key over the silos in the
/// caller's membership view at the moment of reactivation, and while the victim's death is detected and its replacement
/// joins, callers see two or three silos, so a run can put all of them on the primary (the one silo never killed). The
/// cluster therefore starts with one non-primary silo per kill: an account moves only when its silo dies, so before
/// every kill at least one original non-primary silo is still alive and still hosts the accounts it was given at start.
/// </remarks>
public sealed class RepeatedKillTests(ITestOutputHelper output)
{
    private const int Accounts = 12;
    private const int Kills = 3;

    [Fact]
    public async Task Killing_non_primary_silos_mid_workload_loses_no_acknowledged_transfer()
    {
        // No defenses (the in-memory CA is not involved); customers retry indeterminate transfers with the same order id.
        await using var cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions
        {
            // The primary plus one silo per kill (see the remarks): every kill finds a non-primary silo hosting accounts.
            Silos = Kills + 1,
            Payments = p =>
            {
                p.Seed = 5;
                p.Accounts = Accounts;
                p.Customers = Accounts;
                p.InitialBalance = 5_000;
                p.IdempotentOrders = true;
            },
            ResponseTimeout = TimeSpan.FromSeconds(3),
        });
        var spec = new WorkloadSpec { Accounts = Accounts, Customers = Accounts, InitialBalance = 5_000, Operations = 2_400, Concurrency = 6, ReadFraction = 0.1, Retries = 10 };
        var history = new History.History();
        var workload = new WorkloadDriver(cluster.Client, spec, 5, history).RunAsync(null, CancellationToken.None);

        var hit = new HashSet<string>(StringComparer.Ordinal);
        for (var kill = 1; kill <= Kills; kill++)
        {
            // Kill once the run has made progress since the last kill (and before it ends).
            while (history.Count < kill * 2 * spec.Operations!.Value / (Kills + 1) && !workload.IsCompleted)
            {
                await Task.Delay(20);
            }

            // The non-primary silo hosting the most accounts (a surviving original one still hosts those it started with).
            var hosted = Enumerable.Range(1, cluster.SiloNames.Count - 1)
                .Select(i => (Index: i, Accounts: Enumerable.Range(0, Accounts).Select(PaymentsOptions.Account).Where(a => cluster.HostingSilo(a) == cluster.SiloNames[i]).ToList()))
                .OrderByDescending(h => h.Accounts.Count).ThenBy(h => h.Index).First();
            var (victim, accounts) = hosted;
            var name = cluster.SiloNames[victim];
            Assert.True(accounts.Count > 0, $"kill {kill}: no non-primary silo hosts an account; hosts: "
                + string.Join(", ", Enumerable.Range(0, Accounts).Select(a => $"{a}@{cluster.HostingSilo(PaymentsOptions.Account(a)) ?? "none"}")));
            hit.UnionWith(accounts);
            output.WriteLine($"kill {kill}: {name} hosting {string.Join(", ", accounts)} after {history.Count} history ops");
            await cluster.KillSiloAsync(victim);
            await cluster.StartSiloAsync();
        }

        var result = await workload;
        var finalState = await Survival.UntilAnswered(() => ScenarioRunner.ReadFinalStateAsync(cluster.Client, Accounts));
        var report = HistoryChecker.Check(history.Snapshot(), finalState);
        output.WriteLine($"ok {result.Ok}, fail {result.Fail}, info {result.Info}, retries {result.Retries}");

        Assert.NotEmpty(hit);
        Assert.All(report.Invariants, i => Assert.True(i.Holds, $"{i.Name}: {string.Join("; ", i.Counterexamples)}"));
        Assert.True(result.Ok > spec.Operations!.Value / 2, $"only {result.Ok} of {spec.Operations} operations were acknowledged");

        // The killed silos' accounts came back with transfers acknowledged before the kill.
        var acknowledged = history.Snapshot().Where(o => o.Type == History.OpType.Ok && o.Transfer is not null).Select(o => o.Transfer!).ToList();
        foreach (var account in hit)
        {
            var state = finalState.Single(s => s.Account == account);
            Assert.All(acknowledged.Where(t => t.From == account), t => Assert.Contains(state.Applied, e => e.OrderId == t.OrderId));
        }
    }
}
