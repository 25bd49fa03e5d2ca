using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;

namespace Testbed.Cli.Commands;

/// <summary>
/// <c>testbed bench presets</c>: the payments workload on the embedded cluster under each defense preset, interleaved
/// (none, signed, tls-like, … then again) after a warm-up round, each run on a fresh cluster that first runs a quarter
/// as many warm-up operations (sessions established, keys certified, code jitted) before the measured ones; goodput and
/// latency reported as ratios to <c>none</c> measured in the same invocation.
/// </summary>
internal static class PresetBench
{
    private static readonly string[] DefaultPresets = ["none", "signed", "tls-like", "zero-trust", "paranoid"];

    public static Command Command()
    {
        var presets = BenchOptions.Defenses(DefaultPresets, "Presets (or layer names) to compare; 'none' is always the baseline.");
        var payload = BenchOptions.Integer("--payload", 1024, "Order padding in bytes (payload size).", 0, 65536);
        var operations = BenchOptions.Integer("--operations", 3000, "Operations per run.", 100);
        var rounds = BenchOptions.Integer("--rounds", 3, "Measured rounds (each runs every preset once).");
        var concurrency = BenchOptions.Integer("--concurrency", 16, "Closed-loop clients.", 1, 1024);
        var outDir = BenchOptions.Out("bench-presets.json");
        var command = new Command("presets", "Goodput and latency of the workload under each defense preset, as ratios to 'none'.")
        {
            presets, payload, operations, rounds, concurrency, outDir,
        };
        command.SetAction(async (parse, ct) =>
        {
            var names = parse.GetValue(presets)!.Distinct(StringComparer.Ordinal).ToList();
            names.Remove("none");
            names.Insert(0, "none");
            var result = await RunAsync(names, parse.GetValue(payload), parse.GetValue(operations), parse.GetValue(rounds), parse.GetValue(concurrency), ct);
            Render(result);
            var dir = parse.GetValue(outDir)!;
            dir.Create();
            var path = Path.Combine(dir.FullName, "bench-presets.json");
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(result, ResultWriter.Json), ct);
            AnsiConsole.MarkupLineInterpolated($"[grey]{path}[/]");
            return result.Runs.Any(r => !r.Passed) ? ExitCodes.ExpectationFailed : ExitCodes.Passed;
        });
        return command;
    }

    private static Scenario ScenarioFor(string defense, int payload, int operations, int concurrency) =>
        ScenarioLoader.Parse(
            $"name: bench-{defense}\nseed: 42\ncluster:\n  silos: 2\nworkload:\n  accounts: 32\n  operations: {operations}\n  concurrency: {concurrency}\n" +
            $"  paddingBytes: {payload}\n  readFraction: 0.2\ndefenses: [{defense}]\nexpect:\n  invariants: all\n  maxSecurityEvents: 0\n",
            $"bench-{defense}.yaml", TestbedCatalog.Default);

    private static async Task<PresetBenchResult> RunAsync(IReadOnlyList<string> presets, int payload, int operations, int rounds, int concurrency, CancellationToken ct)
    {
        AnsiConsole.MarkupLine($"bench presets: {string.Join(", ", presets)} · payload {payload} B · {operations} ops × {rounds} rounds (+1 warm-up) · concurrency {concurrency} · 2 silos");
        var runs = new List<PresetRun>();
        for (var round = 0; round <= rounds; round++)
        {
            foreach (var preset in presets)
            {
                ct.ThrowIfCancellationRequested();
                var result = await ScenarioRunner.RunAsync(ScenarioFor(preset, payload, operations, concurrency),
                    new RunOptions { WarmupOperations = Math.Max(500, operations / 4) }, cancellationToken: ct);
                var run = new PresetRun(preset, round, round == 0, result.GoodputPerSec, result.LatencyMs.P50, result.LatencyMs.P99, result.Passed,
                    result.SecurityEvents.Total);
                runs.Add(run);
                AnsiConsole.MarkupLineInterpolated($"  {(round == 0 ? "warm-up" : $"round {round}")} {preset,-12} {run.GoodputPerSec,9:F0} ops/s  p99 {run.P99Ms,7:F2} ms  {(run.Passed ? "" : "[red]expectations failed[/]")}");
            }
        }

        var measured = runs.Where(r => !r.WarmUp).ToList();
        var baseline = measured.Where(r => r.Preset == "none").ToDictionary(r => r.Round);
        var rows = presets.Select(p =>
        {
            var mine = measured.Where(r => r.Preset == p).ToList();
            var ratios = BenchAggregation.Spread(mine.Select(r => r.GoodputPerSec / baseline[r.Round].GoodputPerSec));
            return new PresetSummary(p, BenchAggregation.Median(mine.Select(r => r.GoodputPerSec)), BenchAggregation.Median(mine.Select(r => r.P50Ms)),
                BenchAggregation.Median(mine.Select(r => r.P99Ms)), ratios.Min, ratios.Median, ratios.Max);
        }).ToList();
        return new PresetBenchResult(payload, operations, rounds, concurrency, Environment.ProcessorCount, rows, runs);
    }

    private static void Render(PresetBenchResult r)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]defense cost[/] (payload {r.PayloadBytes} B, median of {r.Rounds} rounds)");
        foreach (var c in new[] { "preset", "goodput/s", "× none (min/median/max)", "p50 ms", "p99 ms" })
        {
            table.AddColumn(c);
        }

        foreach (var row in r.Presets)
        {
            table.AddRow(row.Preset, $"{row.GoodputPerSec:F0}", $"{row.RatioMin:F2} / [bold]{row.RatioMedian:F2}[/] / {row.RatioMax:F2}", $"{row.P50Ms:F2}", $"{row.P99Ms:F2}");
        }

        AnsiConsole.Write(table);
    }

    private sealed record PresetRun(string Preset, int Round, bool WarmUp, double GoodputPerSec, double P50Ms, double P99Ms, bool Passed, long SecurityEvents);

    private sealed record PresetSummary(string Preset, double GoodputPerSec, double P50Ms, double P99Ms, double RatioMin, double RatioMedian, double RatioMax);

    private sealed record PresetBenchResult(int PayloadBytes, int Operations, int Rounds, int Concurrency, int Cores, IReadOnlyList<PresetSummary> Presets, IReadOnlyList<PresetRun> Runs);
}
