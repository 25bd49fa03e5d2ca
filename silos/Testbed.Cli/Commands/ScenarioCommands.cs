using System.CommandLine;
using Spectre.Console;
using Testbed.Cli.Rendering;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;

namespace Testbed.Cli.Commands;

/// <summary><c>testbed run</c> and <c>testbed suite</c>.</summary>
internal static class ScenarioCommands
{
    /// <summary><c>testbed run &lt;scenario.yaml&gt; [--out DIR] [--quiet]</c>; <paramref name="args"/>: the whole command line, for the report.</summary>
    public static Command Run(TextWriter error, IReadOnlyList<string> args)
    {
        var scenario = new Argument<FileInfo>("scenario") { Description = "The scenario file (YAML) to run." };
        var (outDir, quiet) = CommonOptions();
        var watch = new Option<bool>("--watch")
        {
            Description = "After the run, wait; when the scenario or a script it names changes, compile and run again (errors shown, watching goes on). Ctrl-C ends it.",
        };
        var command = new Command("run", "Run one scenario on a multi-silo cluster (embedded unless the scenario or --cluster says otherwise) and check it.") { scenario, outDir, quiet, watch };
        var cluster = new ClusterOverride();
        cluster.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var file = parse.GetValue(scenario)!.FullName;
            Task<int> Once(CancellationToken token) => ExecuteAsync([file], parse.GetValue(outDir)!, parse.GetValue(quiet), isSuite: false, args, error, token, s => cluster.Apply(parse, s), parse.GetValue(cluster.Dashboard));
            return parse.GetValue(watch) ? ScenarioWatch.RunAsync(file, Once, ct) : Once(ct);
        });
        return command;
    }

    /// <summary><c>testbed suite &lt;folder&gt; [--out DIR] [--quiet]</c>; <paramref name="args"/>: the whole command line, for the report.</summary>
    public static Command Suite(TextWriter error, IReadOnlyList<string> args)
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "A folder of scenario files (*.yaml, *.yml)." };
        var (outDir, quiet) = CommonOptions();
        var command = new Command("suite", "Run every scenario in a folder, in name order, and check each.") { folder, outDir, quiet };
        var cluster = new ClusterOverride();
        cluster.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            IReadOnlyList<string> files;
            try
            {
                files = ScenarioLoader.FindSuite(parse.GetValue(folder)!.FullName);
            }
            catch (ScenarioException ex)
            {
                return BadInput(ex, error);
            }

            return await ExecuteAsync(files, parse.GetValue(outDir)!, parse.GetValue(quiet), isSuite: true, args, error, ct, s => cluster.Apply(parse, s), parse.GetValue(cluster.Dashboard));
        });
        return command;
    }

    private static (Option<DirectoryInfo> OutDir, Option<bool> Quiet) CommonOptions() => (
        new Option<DirectoryInfo>("--out")
        {
            Description = "Folder for results: <out>/<scenario>/result.json and history.jsonl, <out>/report.html and junit.xml.",
            DefaultValueFactory = _ => new DirectoryInfo("results"),
        },
        new Option<bool>("--quiet") { Description = "No live progress; print only the result tables." });

    private static async Task<int> ExecuteAsync(IReadOnlyList<string> files, DirectoryInfo outDir, bool quiet, bool isSuite, IReadOnlyList<string> args,
        TextWriter error, CancellationToken cancellationToken, Func<IReadOnlyList<Scenario>, (List<Scenario>, List<string>)> overrides, int? dashboard)
    {
        var (loaded, errors) = LoadAll(files);
        if (errors.Count > 0)
        {
            return BadInput(new ScenarioException(errors), error);
        }

        var (scenarios, problems) = overrides(loaded);
        if (dashboard is { } port && Hosting.Cluster.Dashboard.RunDashboard.PortProblem(port) is { } taken)
        {
            problems.Insert(0, taken);
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync(problem);
            }

            return ExitCodes.BadInput;
        }

        var results = new List<ScenarioResult>();
        var suiteClock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var scenario in scenarios)
        {
            var position = isSuite ? new SuitePosition(results.Count, scenarios.Count, suiteClock.Elapsed) : null;
            AnsiConsole.MarkupLineInterpolated($"[bold]▶ {scenario.Name}[/]  seed [cyan]{scenario.Seed}[/], {scenario.Cluster.Silos} silos{ModeText(scenario.Cluster.Mode)}  ({scenario.SourcePath})");
            ScenarioResult result;
            try
            {
                var run = new RunOptions
                {
                    LogDirectory = Path.Combine(outDir.FullName, scenario.Name),
                    DashboardPort = dashboard,
                    OnDashboard = address => AnsiConsole.MarkupLineInterpolated($"  dashboard: [link]{address}[/]"),
                };
                result = await LiveProgress.RunAsync(scenario, quiet, cancellationToken, position, run);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                result = ScenarioRunner.Crashed(scenario, DateTimeOffset.UtcNow, ex, [], null);
            }

            var dir = ResultWriter.Write(result, outDir.FullName);
            results.Add(result);
            ResultTables.WriteScenario(result, dir);
        }

        if (isSuite)
        {
            ResultWriter.WriteSummary(results, outDir.FullName);
            ResultTables.WriteSuite(results);
        }

        // Also after a failed expectation or a crashed run: the report is how one finds out why.
        var command = ReportCommand.Testbed(args);
        var report = HtmlReport.WriteRun(results, command, outDir.FullName);
        var junit = JUnitWriter.Write(results, command, outDir.FullName);
        AnsiConsole.MarkupLineInterpolated($"report: [link]{report}[/]  junit: {junit}");

        return results.All(r => r.Passed) ? ExitCodes.Passed : ExitCodes.ExpectationFailed;
    }

    private static string ModeText(ClusterMode mode) => mode == ClusterMode.Embedded ? "" : $" ({mode.ToString().ToLowerInvariant()})";

    /// <summary>Loads every file (all errors of all files, and two scenarios of one name, are collected rather than thrown).</summary>
    internal static (List<Scenario> Scenarios, List<ScenarioError> Errors) LoadAll(IReadOnlyList<string> files)
    {
        var scenarios = new List<Scenario>();
        var errors = new List<ScenarioError>();
        foreach (var file in files)
        {
            try
            {
                scenarios.Add(ScenarioLoader.LoadFile(file, TestbedCatalog.Default));
            }
            catch (ScenarioException ex)
            {
                errors.AddRange(ex.Errors);
            }
        }

        foreach (var clash in scenarios.GroupBy(s => s.Name).Where(g => g.Count() > 1))
        {
            var second = clash.Skip(1).First();
            errors.Add(new ScenarioError(second.SourcePath, 1, 1, $"scenario name '{clash.Key}' is also used by {clash.First().SourcePath}; results would collide"));
        }

        return (scenarios, errors);
    }

    /// <summary>Writes each error (<c>file:line:column: message</c>) to <paramref name="error"/>; returns exit code 2.</summary>
    internal static int BadInput(ScenarioException ex, TextWriter error)
    {
        foreach (var e in ex.Errors)
        {
            error.WriteLine(e.ToString());
        }

        return ExitCodes.BadInput;
    }
}
