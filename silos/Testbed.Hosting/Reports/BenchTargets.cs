using System.Globalization;
using Testbed.Hosting.Runs;

namespace Testbed.Hosting.Reports;

/// <summary>A benchmark target and whether this invocation met it (null: not measured here).</summary>
public sealed record BenchVerdict(string Target, bool? Met, string Detail)
{
    /// <summary>E.g. <c>zero-trust ≥ 0.90 × none goodput (1 KiB, closed loop): not met — 0.71 × (min 0.69, max 0.73)</c>.</summary>
    public override string ToString() => $"{Target}: {(Met switch { true => "met", false => "not met", null => "not measured here" })} — {Detail}";
}

/// <summary>The issue's targets for the cluster benchmark, judged on its cells, and the <see cref="BenchReport"/> built from a result.</summary>
public static class BenchTargets
{
    /// <summary>The smallest acceptable <c>zero-trust</c> goodput as a share of <c>none</c>'s, at 1 KiB in the closed loop.</summary>
    public const double ZeroTrustGoodputShare = 0.90;

    /// <summary>The verdicts: zero-trust goodput at 1 KiB (closed loop, plain transport), and where the wire target is reported.</summary>
    public static IReadOnlyList<BenchVerdict> Evaluate(IReadOnlyList<BenchCell> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var target = $"zero-trust ≥ {F2(ZeroTrustGoodputShare)} × none goodput (1 KiB, closed loop, plain transport)";
        var cell = cells.FirstOrDefault(c => c is { Preset: "zero-trust", Transport: BenchNames.Plain, PayloadBytes: 1024, Mode: BenchNames.Closed });
        var zeroTrust = cell is null
            ? new BenchVerdict(target, null, "needs preset zero-trust, payload 1024, transport plain and the closed mode in the matrix")
            : cell.GoodputRatio is { Median: 0 }
                ? new BenchVerdict(target, null, "no comparable run (a run or its baseline failed)")
                : new BenchVerdict(target, cell.GoodputRatio.Median >= ZeroTrustGoodputShare,
                    $"median {F2(cell.GoodputRatio.Median)} × none (min {F2(cell.GoodputRatio.Min)}, max {F2(cell.GoodputRatio.Max)})");
        var wire = new BenchVerdict("wire with nothing attached ≤ 2 % below plain grain calls", null,
            "reported by `testbed bench wire` (plain cross-silo grain calls vs the wire, interleaved)");
        return [zeroTrust, wire];
    }

    /// <summary>The report of <paramref name="result"/>: machine, cells and notes (verdicts, method, failed runs).</summary>
    public static BenchReport Report(ClusterBenchResult result, string command)
    {
        ArgumentNullException.ThrowIfNull(result);
        var plan = result.Plan;
        var notes = new List<string>();
        notes.AddRange(Evaluate(result.Cells).Select(v => v.ToString()));
        var processes = plan.Cluster == Scenarios.ClusterMode.Processes;
        var where = processes
            ? $"{plan.Silos} `testbed silo` processes on 127.0.0.1 over TCP (Redis membership and grain storage, a throw-away redis-server), the client and workload in the runner"
            : $"{plan.Silos} silos and the client in one process (Orleans TestingHost, in-memory transport)";
        notes.Add($"Method: {where}, a fresh cluster per run, " +
            $"{plan.WarmupOperations} warm-up operations per run, then {plan.Operations} measured; cells interleaved within each repetition, " +
            $"order reversed every other repetition{(plan.WarmupRepetition ? ", after a discarded warm-up repetition" : ", no warm-up repetition")}; " +
            $"{plan.Accounts} accounts, 20 % reads, closed loop {plan.Concurrency} clients, open loop {plan.Rate.ToString("0.###", CultureInfo.InvariantCulture)} ops/s.");
        notes.Add("Ratios: per repetition against none/plain of the same payload and mode, then min/median/max; absolute figures are medians.");
        notes.Add(processes
            ? "CPU per operation: the runner and every process below it (silos, redis-server; /proc, 10 ms ticks) over the measured phase. Allocations per operation: the runner only (client and workload; the silos' heaps are their own)."
            : "CPU and allocations per operation: the whole process (silos, client, workload) over the measured phase, heap collected before it.");
        if (plan.Transports.Contains(BenchNames.OrleansTls))
        {
            notes.Add($"orleans-tls: Microsoft.Orleans.Connections.Security mutual TLS on every silo and client connection, certificates from a run-scoped " +
                $"ECDSA P-256 authority made in memory; TLS runs over {(processes ? "the real TCP sockets, each silo's key material on its stdin" : "the same in-memory transport")} (negotiated: {result.TlsCipherSuite ?? "no connection observed"}).");
        }

        var failed = result.Runs.Where(r => r.Error is not null).ToList();
        notes.AddRange(failed.Take(10).Select(r => $"Run not comparable: {r.Case} repetition {r.Repetition}{(r.WarmUp ? " (warm-up)" : "")}: {r.Error}"));
        if (failed.Count > 10)
        {
            notes.Add($"… and {failed.Count - 10} more runs not comparable.");
        }

        notes.Add($"Elapsed: {result.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s for {result.Runs.Count} runs" +
            (result.LoadBefore is null ? "." : $"; load average (1/5/15 min) before: {result.LoadBefore}, after: {result.LoadAfter} — other processes share the machine when it exceeds the cores."));
        return new BenchReport(processes ? "Defense cost on silo processes (real TCP)" : "Defense cost on the embedded cluster", command, MachineInfo.Describe(), Environment.ProcessorCount,
            plan.Repetitions, plan.Operations, result.Cells, notes);
    }

    private static string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
}
