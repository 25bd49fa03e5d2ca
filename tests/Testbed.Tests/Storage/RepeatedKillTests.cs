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
/// caller's membership view at the moment of reactivation, so a run can put them all on the primary (the one silo never
/// killed). Each kill therefore waits until some non-primary silo hosts accounts that hold state — transfers from them
/// the workload was told succeeded — and strikes the silo holding most of them. The workload has no end of its own: it
/// runs until the test stops it, after the last kill, so every kill lands while it runs and the cluster must go on
/// acknowledging transfers between kills and after the last one.
/// </remarks>
public sealed class RepeatedKillTests(ITestOutputHelper output)
{
    private const int Accounts = 12;
    private const int Kills = 3;

    /// <summary>Transfers acknowledged between two kills, and after the last one, before the next step.</summary>
    private const int AcknowledgedBetweenKills = 200;

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Killing_non_primary_silos_mid_workload_loses_no_acknowledged_transfer()
    {
        // No defenses (the in-memory CA is not involved); customers retry indeterminate transfers with the same order id.
        await using var cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions
        {
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
        // Far more operations than the test lets it reach: it ends when the test stops it (gracefully: cancelling it instead
        // would abandon the retries of an order whose payments activation died between debit and credit, destroying money).
        var spec = new WorkloadSpec { Accounts = Accounts, Customers = Accounts, InitialBalance = 5_000, Operations = 1_000_000, Concurrency = 6, ReadFraction = 0.1, Retries = 10 };
        var history = new History.History();
        var driver = new WorkloadDriver(cluster.Client, spec, 5, history);
        var workload = driver.RunAsync(null, CancellationToken.None);

        // Per killed account, the transfers from it acknowledged before its silo died: the state the kill put at risk.
        var atRisk = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var acknowledgedAtLastKill = 0;
        for (var kill = 1; kill <= Kills; kill++)
        {
            await Until($"{AcknowledgedBetweenKills} more transfers acknowledged before kill {kill}", workload,
                () => Acknowledged(history).Count >= acknowledgedAtLastKill + AcknowledgedBetweenKills ? true : (bool?)null);
            var (victim, held) = await Until($"a non-primary silo hosting an account with acknowledged transfers (kill {kill})", workload,
                () => Victim(cluster, Acknowledged(history)));

            var name = cluster.SiloNames[victim];
            Assert.False(workload.IsCompleted, $"kill {kill}: the workload ended before the kill");
            foreach (var (account, orders) in held)
            {
                atRisk[account] = [.. atRisk.GetValueOrDefault(account) ?? [], .. orders];
            }

            acknowledgedAtLastKill = Acknowledged(history).Count;
            output.WriteLine($"kill {kill}: {name} hosting {string.Join(", ", held.Select(h => $"{h.Account} ({h.Orders.Count} acknowledged)"))} after {acknowledgedAtLastKill} acknowledged transfers");
            await cluster.KillSiloAsync(victim);
            await cluster.StartSiloAsync();
        }

        // The cluster recovers from the last kill too, and only then is the workload stopped.
        await Until($"{AcknowledgedBetweenKills} more transfers acknowledged after the last kill", workload,
            () => Acknowledged(history).Count >= acknowledgedAtLastKill + AcknowledgedBetweenKills ? true : (bool?)null);
        Assert.False(workload.IsCompleted, "the workload ended by itself: it should run until stopped");
        driver.Stop();
        var result = await workload;
        var finalState = await Survival.UntilAnswered(() => ScenarioRunner.ReadFinalStateAsync(cluster.Client, Accounts));
        var report = HistoryChecker.Check(history.Snapshot(), finalState);
        output.WriteLine($"ok {result.Ok}, fail {result.Fail}, info {result.Info}, retries {result.Retries}");

        Assert.All(report.Invariants, i => Assert.True(i.Holds, $"{i.Name}: {string.Join("; ", i.Counterexamples)}"));
        // Every transfer from a killed silo's accounts acknowledged before the kill is in the account's ledger afterwards.
        Assert.NotEmpty(atRisk);
        foreach (var (account, orders) in atRisk)
        {
            Assert.NotEmpty(orders);
            var state = finalState.Single(s => s.Account == account);
            Assert.All(orders, order => Assert.Contains(state.Applied, e => e.OrderId == order));
        }
    }

    /// <summary>Acknowledged transfers so far (order id by the account they are from).</summary>
    private static List<(string From, string OrderId)> Acknowledged(History.History history) =>
        history.Snapshot().Where(o => o.Type == History.OpType.Ok && o.Transfer is not null).Select(o => (o.Transfer!.From, o.Transfer.OrderId)).ToList();

    /// <summary>
    /// The non-primary silo hosting the most accounts that hold acknowledged transfers, with those accounts and their
    /// transfers; null when no non-primary silo hosts one (yet).
    /// </summary>
    private static (int Victim, List<(string Account, List<string> Orders)> Held)? Victim(EmbeddedCluster cluster, List<(string From, string OrderId)> acknowledged)
    {
        var names = cluster.SiloNames;
        var byAccount = acknowledged.GroupBy(a => a.From, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(a => a.OrderId).ToList(), StringComparer.Ordinal);
        var best = Enumerable.Range(1, names.Count - 1)
            .Select(i => (Index: i, Held: byAccount.Where(a => cluster.HostingSilo(a.Key) == names[i]).Select(a => (a.Key, a.Value)).ToList()))
            .Where(h => h.Held.Count > 0)
            .OrderByDescending(h => h.Held.Count).ThenBy(h => h.Index)
            .FirstOrDefault();
        return best.Held is null ? null : (best.Index, best.Held);
    }

    /// <summary>Polls <paramref name="probe"/> until it answers; fails when the workload ends first or after <see cref="Patience"/> (a hang guard).</summary>
    private static async Task<T> Until<T>(string what, Task workload, Func<T?> probe)
        where T : struct
    {
        using var patience = new CancellationTokenSource(Patience);
        while (true)
        {
            if (probe() is { } answer)
            {
                return answer;
            }

            Assert.False(workload.IsCompleted, $"the workload ended while waiting for {what}");
            Assert.False(patience.IsCancellationRequested, $"gave up after {Patience.TotalMinutes} min waiting for {what}");
            await Task.Delay(20);
        }
    }
}
