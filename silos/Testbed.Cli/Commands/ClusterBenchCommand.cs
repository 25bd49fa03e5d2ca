using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using Spectre.Console;
using Testbed.Cli.Rendering;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;

namespace Testbed.Cli.Commands;

/// <summary>
/// <c>testbed bench</c> itself: the payments workload on the embedded cluster for presets × transports (plain, Orleans
/// TLS) × payload sizes × load modes, interleaved per repetition after a warm-up repetition; prints the ratio table and
/// the targets' verdicts and writes <c>bench.json</c> (a <see cref="BenchReport"/>).
/// </summary>
internal static class ClusterBenchCommand
{
    private const int QuickOperations = 300;
    private const int QuickRepetitions = 1;

    /// <summary>Adds the matrix options and action to the <c>bench</c> command (its subcommands stay as they are).</summary>
    public static Command Attach(Command bench)
    {
        var plan = new BenchPlan();
        var presets = BenchOptions.Defenses(plan.Presets, "Presets (or layer names) to compare; 'none' is always run: it is the baseline.");
        var transports = BenchOptions.SomeOf("--transports", plan.Transports, "Transports: plain, orleans-tls (Orleans' mutual TLS); 'plain' is always run.", BenchNames.Transports);
        var payloads = BenchOptions.Integers("--payloads", plan.Payloads, "Payload sizes in bytes (order padding), 0..65536.", 0, 65536);
        var mode = BenchOptions.OneOf("--mode", BenchNames.Closed, "closed (max throughput), open (fixed rate: latency under load) or both.", BenchNames.Closed, BenchNames.Open, "both");
        var rate = BenchOptions.Number("--rate", plan.Rate, "Open-loop arrival rate, operations per second (open or both only).", 1, 1_000_000, "operations per second");
        var repetitions = BenchOptions.Integer("--repetitions", plan.Repetitions, $"Measured repetitions, each running every cell once (--quick: {QuickRepetitions}).", 1, 1000);
        var operations = BenchOptions.Integer("--operations", plan.Operations, $"Measured operations per run (--quick: {QuickOperations}).", 50);
        var concurrency = BenchOptions.Integer("--concurrency", plan.Concurrency, "Closed-loop clients.", 1, 1024);
        var cluster = new Option<string>("--cluster")
        {
            Description = "Where each run's cluster lives: embedded (one process, in-memory transport) or processes (testbed silo processes over real TCP, Redis membership; needs redis-server).",
            DefaultValueFactory = _ => "embedded",
        };
        cluster.AcceptOnlyFromAmong("embedded", "processes");
        var quick = new Option<bool>("--quick") { Description = $"CI-sized: {QuickOperations} operations, {QuickRepetitions} repetition, no warm-up repetition (explicit options win)." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress; print only the table and verdicts." };
        var outDir = BenchOptions.Out("bench.json");
        foreach (var option in new Option[] { presets, transports, payloads, mode, rate, repetitions, operations, concurrency, cluster, quick, quiet, outDir })
        {
            bench.Options.Add(option);
        }

        bench.Validators.Add(r =>
        {
            // The mode's token, not its value: reading the value of an option that failed to parse throws.
            if (r.GetResult(rate) is { Implicit: false } && (r.GetResult(mode)?.Tokens.FirstOrDefault()?.Value ?? BenchNames.Closed) == BenchNames.Closed)
            {
                r.AddError("--rate applies to the open loop only: add --mode open or --mode both");
            }
        });

        bench.SetAction(async (parse, ct) =>
        {
            var names = parse.GetValue(presets)!.Distinct(StringComparer.Ordinal).ToList();
            names.Remove(BenchNames.BaselinePreset);
            names.Insert(0, BenchNames.BaselinePreset);
            var isQuick = parse.GetValue(quick);
            var ops = isQuick && parse.GetResult(operations) is null or { Implicit: true } ? QuickOperations : parse.GetValue(operations);
            var modeName = parse.GetValue(mode)!;
            var onProcesses = parse.GetValue(cluster) == "processes";
            if (onProcesses && Hosting.Cluster.Processes.RedisServer.Find() is null)
            {
                await Console.Error.WriteLineAsync("bench --cluster processes needs redis-server (apt-get install redis-server)");
                return ExitCodes.BadInput;
            }

            var chosen = new BenchPlan
            {
                Cluster = onProcesses ? Scenarios.ClusterMode.Processes : Scenarios.ClusterMode.Embedded,
                Presets = names,
                Transports = [.. BenchNames.Transports.Where(t => t == BenchNames.Plain || parse.GetValue(transports)!.Contains(t))],
                Payloads = [.. parse.GetValue(payloads)!.Distinct()],
                Modes = modeName == "both" ? BenchNames.Modes : [modeName],
                Rate = parse.GetValue(rate),
                Repetitions = isQuick && parse.GetResult(repetitions) is null or { Implicit: true } ? QuickRepetitions : parse.GetValue(repetitions),
                WarmupRepetition = !isQuick,
                Operations = ops,
                WarmupOperations = isQuick ? Math.Max(100, ops / 4) : Math.Max(500, ops / 4),
                Concurrency = parse.GetValue(concurrency),
            };
            var command = "testbed " + string.Join(' ', parse.Tokens.Select(t => t.Value));
            var result = await RunAsync(chosen, parse.GetValue(quiet), ct);
            var report = BenchTargets.Report(result, command);
            BenchTable.Write(report, result);
            WriteResults(report, parse.GetValue(outDir)!);
            return result.Runs.Any(r => r.Error is not null) ? ExitCodes.ExpectationFailed : ExitCodes.Passed;
        });
        return bench;
    }

    /// <summary>Writes what the benchmark produced into <paramref name="dir"/>.</summary>
    private static void WriteResults(BenchReport report, DirectoryInfo dir)
    {
        dir.Create();
        var json = Path.Combine(dir.FullName, "bench.json");
        File.WriteAllText(json, JsonSerializer.Serialize(report, ResultWriter.Json));
        AnsiConsole.MarkupLineInterpolated($"[grey]{json}[/]");
        var html = HtmlReport.WriteBench(report, dir.FullName);
        AnsiConsole.MarkupLineInterpolated($"[grey]{html}[/]");
    }

    private static async Task<ClusterBenchResult> RunAsync(BenchPlan plan, bool quiet, CancellationToken ct)
    {
        var cells = plan.Cases().Count;
        AnsiConsole.MarkupLineInterpolated(
            $"bench: {string.Join(", ", plan.Presets)} × {string.Join(", ", plan.Transports)} × {string.Join(", ", plan.Payloads.Select(p => $"{p} B"))} × {string.Join(", ", plan.Modes)} = {cells} cells · {plan.Operations} ops × {plan.Repetitions} repetitions{(plan.WarmupRepetition ? " (+1 warm-up)" : "")} · {plan.TotalRuns} runs");
        if (quiet)
        {
            return await ClusterBench.RunAsync(plan, null, ct);
        }

        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var lines = new InlineProgress<BenchProgress>(p =>
            {
                if (p.Finished is { } run)
                {
                    Console.WriteLine($"  [{p.CompletedRuns}/{p.TotalRuns}] {(run.WarmUp ? "warm-up" : $"rep {run.Repetition}")} {run.Case}: {run.GoodputPerSec:F0} ops/s, p99 {run.P99Ms:F2} ms{(run.Error is null ? "" : $" — {run.Error}")}");
                }
            });
            return await ClusterBench.RunAsync(plan, lines, ct);
        }

        ClusterBenchResult? result = null;
        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("bench", maxValue: plan.TotalRuns);
                var progress = new InlineProgress<BenchProgress>(p =>
                {
                    task.Description = Markup.Escape($"{(p.WarmUp ? "warm-up" : $"rep {p.Repetition}/{plan.Repetitions}")} · {p.Case}");
                    task.Value = p.CompletedRuns + (p.Finished is null ? p.RunFraction : 0);
                });
                result = await ClusterBench.RunAsync(plan, progress, ct);
                task.Value = plan.TotalRuns;
            });
        return result!;
    }
}
