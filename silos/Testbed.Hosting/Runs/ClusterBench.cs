using System.Globalization;
using System.Net.Security;
using Testbed.Hosting.Cluster;
using Testbed.Hosting.Reports;
using Testbed.Scenarios;

namespace Testbed.Hosting.Runs;

/// <summary>Where a cluster benchmark is: runs done of all runs, the run under way and how far its measured phase got.</summary>
public readonly record struct BenchProgress(int CompletedRuns, int TotalRuns, BenchCase Case, int Repetition, bool WarmUp, double RunFraction, BenchRun? Finished);

/// <summary>What a cluster benchmark measured: every run (warm-up ones included, flagged), the cells built from them, the machine's load average before and after.</summary>
public sealed record ClusterBenchResult(BenchPlan Plan, IReadOnlyList<BenchRun> Runs, IReadOnlyList<BenchCell> Cells, string? TlsCipherSuite, TimeSpan Elapsed,
    string? LoadBefore = null, string? LoadAfter = null);

/// <summary>
/// The cluster benchmark: the payments workload on a fresh cluster per run (embedded, or silo processes over TCP), for every cell of a
/// <see cref="BenchPlan"/>, repetition after repetition. Each run does its warm-up operations first; then the heap is
/// collected and the process's CPU time and allocated bytes are read right before and right after the measured
/// workload. Every run expects all invariants to hold and zero security events (a false alarm fails the run).
/// </summary>
public static class ClusterBench
{
    /// <summary>Runs <paramref name="plan"/>; <paramref name="progress"/> hears about each run's start, measured phase and end.</summary>
    public static async Task<ClusterBenchResult> RunAsync(BenchPlan plan, IProgress<BenchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var started = TimeProvider.System.GetTimestamp();
        var loadBefore = MachineInfo.LoadAverage();
        var runs = new List<BenchRun>();
        var total = plan.TotalRuns;
        string? cipher = null;
        for (var index = 0; index < plan.TotalRepetitions; index++)
        {
            var warmUp = plan.WarmupRepetition && index == 0;
            var repetition = plan.WarmupRepetition ? index : index + 1;
            foreach (var c in plan.Order(index))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var done = runs.Count;
                progress?.Report(new BenchProgress(done, total, c, repetition, warmUp, 0, null));
                var runProgress = progress is null ? null : new InlineProgress<RunProgress>(p =>
                {
                    if (p.Phase == RunPhase.Running && p.Workload.TargetOperations is { } target && target > 0)
                    {
                        progress.Report(new BenchProgress(done, total, c, repetition, warmUp, Math.Min(1.0, (double)p.Workload.Completed / target), null));
                    }
                });
                var run = await RunOneAsync(plan, c, repetition, warmUp, s => cipher ??= s.ToString(), runProgress, cancellationToken);
                runs.Add(run);
                progress?.Report(new BenchProgress(runs.Count, total, c, repetition, warmUp, 1, run));
            }
        }

        return new ClusterBenchResult(plan, runs, BenchAggregation.Cells(plan, runs), cipher, TimeProvider.System.GetElapsedTime(started),
            loadBefore, MachineInfo.LoadAverage());
    }

    /// <summary>The scenario one cell runs (seed 42, like <c>bench presets</c>).</summary>
    public static Scenario ScenarioFor(BenchPlan plan, BenchCase c)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(c);
        var load = c.Mode == BenchNames.Open
            ? $"  mode: open\n  rate: {plan.Rate.ToString("R", CultureInfo.InvariantCulture)}\n"
            : $"  mode: closed\n  concurrency: {plan.Concurrency}\n";
        var name = $"bench-{c.Preset}-{c.Transport}-{c.PayloadBytes}-{c.Mode}";
        var cluster = plan.Cluster == ClusterMode.Processes
            ? $"  mode: processes\n  transportTls: {(c.Transport == BenchNames.OrleansTls ? "true" : "false")}\n"
            : "";
        return ScenarioLoader.Parse(
            $"name: {name}\nseed: 42\ncluster:\n  silos: {plan.Silos}\n{cluster}workload:\n  accounts: {plan.Accounts}\n  operations: {plan.Operations}\n{load}" +
            $"  paddingBytes: {c.PayloadBytes}\n  readFraction: 0.2\ndefenses: [{c.Preset}]\nexpect:\n  invariants: all\n  maxSecurityEvents: 0\n",
            $"{name}.yaml", TestbedCatalog.Default);
    }

    private static async Task<BenchRun> RunOneAsync(BenchPlan plan, BenchCase c, int repetition, bool warmUp, Action<TlsCipherSuite> cipherSeen,
        IProgress<RunProgress>? progress, CancellationToken cancellationToken)
    {
        TimeSpan cpuBefore = default, cpuAfter = default;
        long allocatedBefore = 0, allocatedAfter = 0;
        var options = new RunOptions
        {
            WarmupOperations = plan.WarmupOperations,
            TransportTls = c.Transport == BenchNames.OrleansTls
                ? new TransportTlsOptions { OnConnection = info => { if (info.CipherSuite is { } suite) { cipherSeen(suite); } } }
                : null,
            OnWorkloadStarting = () =>
            {
                // Garbage of earlier runs (and of the warm-up) is not charged to this one.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                cpuBefore = Cpu(plan);
            },
            OnWorkloadCompleted = () =>
            {
                cpuAfter = Cpu(plan);
                allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
            },
        };

        var result = await ScenarioRunner.RunAsync(ScenarioFor(plan, c), options, progress, cancellationToken);
        var ops = result.Operations.Ok + result.Operations.Fail + result.Operations.Info;
        var perOp = Math.Max(ops, 1);
        return new BenchRun(c, repetition, warmUp, ops, result.GoodputPerSec,
            result.LatencyMs.P50, result.LatencyMs.P90, result.LatencyMs.P99, result.LatencyMs.Max,
            (cpuAfter - cpuBefore).TotalMicroseconds / perOp, (double)(allocatedAfter - allocatedBefore) / perOp,
            result.Passed, result.SecurityEvents.Total, result.Error ?? FirstFailure(result));
    }

    /// <summary>CPU time so far: this process, and on processes its silo processes and redis-server too (the whole tree).</summary>
    private static TimeSpan Cpu(BenchPlan plan) =>
        plan.Cluster == ClusterMode.Processes ? Cluster.Processes.ProcessTreeCpu.OfThisTree() : Environment.CpuUsage.TotalTime;

    private static string? FirstFailure(ScenarioResult result) =>
        result.Expectations.FirstOrDefault(e => !e.Passed) is { } failed ? $"{failed.Name}: {failed.Detail}" : null;
}
