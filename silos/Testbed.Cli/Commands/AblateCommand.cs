using System.CommandLine;
using System.Text.RegularExpressions;
using Spectre.Console;
using Testbed.Cli.Rendering;
using Testbed.Defenses;
using Testbed.Hosting.Ablation;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;

namespace Testbed.Cli.Commands;

/// <summary>
/// <c>testbed ablate &lt;folder&gt; [--layers L…] [--defenses P…] [--scenarios GLOB…] [--fail-unexercised] [--out DIR] [--quiet]</c>:
/// reruns a suite's scenarios with one defense layer removed at a time and shows which cells change.
/// </summary>
internal static class AblateCommand
{
    private const string Custom = "custom";

    /// <summary>The command; <paramref name="args"/>: the whole command line, for the report.</summary>
    public static Command Create(TextWriter error, IReadOnlyList<string> args)
    {
        var layerNames = DefenseCatalog.Names.Except(DefenseCatalog.Presets.Keys).ToArray();
        var folder = new Argument<DirectoryInfo>("folder") { Description = "A folder of scenario files (*.yaml, *.yml): the suite to ablate." };
        var layers = BenchOptions.SomeOf("--layers", [], $"Remove only these layers (default: every layer of each configuration): {string.Join(", ", layerNames)}.", layerNames);
        var defenses = BenchOptions.SomeOf("--defenses", [],
            "Ablate only the scenarios whose defenses name these presets (tuned or not); 'custom': those naming layers without a preset.",
            [.. DefenseCatalog.Presets.Keys.Where(p => p != "none"), Custom]);
        var scenarios = new Option<string[]>("--scenarios")
        {
            Description = "Only scenarios whose name matches one of these patterns ('*' any characters, '?' one).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [],
        };
        var failUnexercised = new Option<bool>("--fail-unexercised") { Description = "Exit 1 when a layer removed changes no cell in any configuration (CI)." };
        var outDir = BenchOptions.Out("ablation.json, report.html and runs/<baseline|without-LAYER>/<scenario>/result.json");
        outDir.DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("results", "ablation"));
        var quiet = new Option<bool>("--quiet") { Description = "No live progress; print only a line per run and the matrices." };
        var command = new Command("ablate",
            "Rerun a suite's scenarios with one defense layer removed at a time (same seeds) and print which attack verdicts, detections and invariants change, and what each layer costs in goodput.")
        {
            folder, layers, defenses, scenarios, failUnexercised, outDir, quiet,
        };
        command.SetAction((parse, ct) => ExecuteAsync(new Request(parse.GetValue(folder)!, parse.GetValue(layers)!, parse.GetValue(defenses)!,
            parse.GetValue(scenarios)!, parse.GetValue(failUnexercised), parse.GetValue(outDir)!, parse.GetValue(quiet)), args, error, ct));
        return command;
    }

    private sealed record Request(DirectoryInfo Folder, string[] Layers, string[] Defenses, string[] Patterns, bool FailUnexercised, DirectoryInfo Out, bool Quiet);

    private static async Task<int> ExecuteAsync(Request request, IReadOnlyList<string> args, TextWriter error, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> files;
        try
        {
            files = ScenarioLoader.FindSuite(request.Folder.FullName);
        }
        catch (ScenarioException ex)
        {
            return ScenarioCommands.BadInput(ex, error);
        }

        var (all, errors) = ScenarioCommands.LoadAll(files);
        if (errors.Count > 0)
        {
            return ScenarioCommands.BadInput(new ScenarioException(errors), error);
        }

        if (ClusterOverride.Problems(all) is { Count: > 0 } problems)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync(problem);
            }

            return ExitCodes.BadInput;
        }

        var selected = all.Where(s => request.Patterns.Length == 0 || request.Patterns.Any(p => Glob(p).IsMatch(s.Name))).ToArray();
        var groups = AblationPlan.For(selected, request.Layers.Length == 0 ? null : request.Layers)
            .Where(g => request.Defenses.Length == 0 || request.Defenses.Contains(g.Preset ?? Custom, StringComparer.Ordinal))
            .ToArray();
        var present = groups.SelectMany(g => g.Layers).ToHashSet(StringComparer.Ordinal);
        groups = groups.Where(g => g.Removals.Count > 0).ToArray(); // --layers names none of its layers
        if (Refuse(request, selected, groups, present) is { } refusal)
        {
            await error.WriteLineAsync($"testbed: {refusal}");
            return ExitCodes.BadInput;
        }

        var ablated = groups.SelectMany(g => g.Scenarios).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var skipped = selected.Where(s => !ablated.Contains(s.Name)).Select(s => s.Name).ToArray();
        var total = AblationRunner.CountRuns(groups);
        AnsiConsole.MarkupLineInterpolated(
            $"[bold]ablate[/] {request.Folder.FullName}: {groups.Length} defense configuration(s), {ablated.Count} scenario(s), {total} runs (each scenario with its own seed)");
        var baseline = new List<ScenarioResult>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = await AblationRunner.RunAsync(groups, skipped, request.Folder.FullName, ReportCommand.Testbed(args), async (run, ct) =>
        {
            AblationTable.WriteRunStart(run);
            ScenarioResult result;
            try
            {
                result = await LiveProgress.RunAsync(run.Scenario, request.Quiet, ct, run.WarmUp ? null : new SuitePosition(run.Index, run.Total, clock.Elapsed));
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                result = ScenarioRunner.Crashed(run.Scenario, DateTimeOffset.UtcNow, ex, [], null);
            }

            AblationTable.WriteRunEnd(result);
            if (run.WarmUp)
            {
                clock.Restart(); // the suite's ETA counts measured runs only
                return result;
            }

            ResultWriter.Write(result, Path.Combine(request.Out.FullName, "runs", run.Label));
            if (run.Removal is null)
            {
                baseline.Add(result);
            }

            return result;
        }, cancellationToken);

        AblationTable.WriteReport(report);
        var json = AblationWriter.Write(report, request.Out.FullName);
        var html = HtmlReport.WriteAblation(report, baseline, request.Out.FullName);
        AnsiConsole.MarkupLineInterpolated($"ablation: {json}  report: [link]{html}[/]");
        if (!report.BaselinePassed)
        {
            return ExitCodes.ExpectationFailed;
        }

        return request.FailUnexercised && !report.AllExercised ? ExitCodes.ExpectationFailed : ExitCodes.Passed;
    }

    // Arguments that select nothing to ablate are bad input, said before anything runs.
    private static string? Refuse(Request request, IReadOnlyList<Scenario> selected, IReadOnlyList<AblationGroup> groups, IReadOnlySet<string> present)
    {
        if (selected.Count == 0)
        {
            return $"--scenarios: no scenario of {request.Folder.FullName} matches {string.Join(" ", request.Patterns)}";
        }

        if (present.Count == 0)
        {
            return "nothing to ablate: no selected scenario has a defense layer" + (request.Defenses.Length == 0 ? "" : $" under {string.Join(", ", request.Defenses)}");
        }

        var absent = request.Layers.Where(l => !present.Contains(l)).ToArray();
        return absent.Length > 0 ? $"--layers: no selected scenario's defenses have {string.Join(", ", absent)}" : null;
    }

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
