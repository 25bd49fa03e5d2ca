using System.Text.Json;
using Testbed.Checking;
using Testbed.Attacks.Hooks;
using Testbed.Envelopes;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Testbed.Services.Payments;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Cluster;

/// <summary>Whole runs on fresh clusters: the runner, the workload, the checker and the result files together.</summary>
public sealed class ScenarioRunnerTests
{
    private static Scenario Inline(string name, string workload, int silos = 2) => ScenarioLoader.Parse(
        $"name: {name}\nseed: 11\ncluster:\n  silos: {silos}\nworkload:\n{workload}\nexpect:\n  invariants: all\n",
        $"{name}.yaml", TestbedCatalog.Default);

    [Fact]
    public async Task Baseline_scenario_passes_and_writes_results()
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "scenarios", "baseline.yaml"), TestbedCatalog.Default);
        var result = await ScenarioRunner.RunAsync(scenario);

        Assert.True(result.Passed, string.Join("; ", result.Expectations.Where(e => !e.Passed).Select(e => $"{e.Name}: {e.Detail}")));
        Assert.Equal((long)scenario.Workload.Operations!.Value, result.Operations.Invoked);
        Assert.Equal(result.Operations.Invoked, result.Operations.Ok + result.Operations.Fail + result.Operations.Info);
        Assert.True(result.Operations.Ok > 0);
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name));
        Assert.Equal(Invariants.All.Count, result.Invariants.Count);
        Assert.True(result.GoodputPerSec > 0 && result.LatencyMs.P99 >= result.LatencyMs.P50);
        Assert.Equal(result.Operations.Invoked, result.Timeline.Sum(b => b.Ok + b.Fail + b.Info));
        Assert.All(result.Timeline, b =>
        {
            Assert.Equal(b.Ok + b.Fail + b.Info > 0, b.P50Ms is not null);
            Assert.True(b.P50Ms <= b.P99Ms || b.P50Ms is null);
            Assert.True(b.P99Ms is null || b.P99Ms <= result.LatencyMs.Max + 0.001, $"second {b.Second}: p99 {b.P99Ms} above the run's max {result.LatencyMs.Max}");
        });

        var dir = Path.Combine(Path.GetTempPath(), "testbed-tests", Guid.NewGuid().ToString("N"));
        var written = ResultWriter.Write(result, dir);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(written, "result.json")));
        var root = json.RootElement;
        Assert.Equal("baseline", root.GetProperty("name").GetString());
        Assert.Equal(42, root.GetProperty("seed").GetInt32());
        Assert.True(root.GetProperty("passed").GetBoolean());
        Assert.True(root.GetProperty("goodputPerSec").GetDouble() > 0);
        Assert.True(root.GetProperty("latencyMs").GetProperty("p99").GetDouble() > 0);
        Assert.Equal(Invariants.All.Count, root.GetProperty("invariants").GetArrayLength());
        Assert.Equal(0, root.GetProperty("attacks").GetArrayLength());
        Assert.Equal(0, root.GetProperty("faults").GetArrayLength());
        var second = root.GetProperty("timeline")[0];
        Assert.True(second.GetProperty("p50Ms").GetDouble() > 0 && second.GetProperty("p99Ms").GetDouble() >= second.GetProperty("p50Ms").GetDouble());
        using var history = File.OpenRead(Path.Combine(written, "history.jsonl"));
        Assert.Equal(result.History.Count, History.History.ReadJsonLines(history).Count);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Interceptor_changing_amounts_in_flight_is_caught_by_the_checker()
    {
        var scenario = Inline("tamper", "  accounts: 8\n  operations: 300\n  readFraction: 0\n  maxAmount: 10");
        var result = await ScenarioRunner.RunAsync(scenario, new RunOptions
        {
            OnClusterStarted = cluster => cluster.Hooks.Attach(new RuleInterceptor(m =>
            {
                if (m.Envelope is not { Kind: EnvelopeKind.Order } e || !PaymentsJson.TryDecode<OrderMessage>(e.Payload, out var order))
                {
                    return InterceptDecision.Pass;
                }

                return InterceptDecision.Replace(e with { Payload = PaymentsJson.Encode(order with { Amount = order.Amount + 1 }) });
            })),
        });

        Assert.False(result.Passed);
        var authorized = Assert.Single(result.Invariants, i => i.Name == Invariants.OwnerAuthorized);
        Assert.False(authorized.Holds);
        Assert.NotEmpty(authorized.Counterexamples);
        Assert.True(result.Wire.Replaced >= 300 - result.Operations.Fail);
        // Money moved consistently (debit and credit both tampered), so conservation alone would not have caught it.
        Assert.True(result.Invariants.Single(i => i.Name == Invariants.MoneyConserved).Holds);
    }

    [Fact]
    public async Task Duplicated_debits_without_idempotency_violate_at_most_once()
    {
        var scenario = Inline("duplicate", "  accounts: 6\n  operations: 200\n  readFraction: 0\n  idempotentOrders: false");
        var result = await ScenarioRunner.RunAsync(scenario, new RunOptions
        {
            OnClusterStarted = cluster => cluster.Hooks.Attach(new RuleInterceptor(m =>
                m.Envelope is { Kind: EnvelopeKind.Debit } ? InterceptDecision.Duplicate(1) : InterceptDecision.Pass)),
        });

        Assert.False(result.Passed);
        Assert.False(result.Invariants.Single(i => i.Name == Invariants.AtMostOnce).Holds);
        Assert.False(result.Invariants.Single(i => i.Name == Invariants.MoneyConserved).Holds);
        Assert.True(result.Wire.Duplicated > 0);
    }

    [Fact]
    public async Task Same_seed_gives_the_same_operations()
    {
        var a = await ScenarioRunner.RunAsync(Inline("seeded-a", "  accounts: 5\n  operations: 60\n  concurrency: 1"));
        var b = await ScenarioRunner.RunAsync(Inline("seeded-b", "  accounts: 5\n  operations: 60\n  concurrency: 1"));

        static string Ops(ScenarioResult r) => string.Join("|", r.History.Where(o => o.Type == History.OpType.Invoke)
            .Select(o => o.Transfer is { } t ? $"{t.OrderId}:{t.From}>{t.To}:{t.Amount}" : $"read:{o.Account}"));
        Assert.Equal(Ops(a), Ops(b));
        Assert.True(a.Passed && b.Passed);
    }
}
