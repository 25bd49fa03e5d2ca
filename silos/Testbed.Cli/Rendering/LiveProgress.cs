using Spectre.Console;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;

namespace Testbed.Cli.Rendering;

/// <summary>Where a scenario stands in its suite: its position, the suite's size, and how long the finished ones took.</summary>
internal sealed record SuitePosition(int Index, int Count, TimeSpan Elapsed)
{
    /// <summary>The suite's remaining time, from the mean time of the scenarios finished so far (null before the first finishes).</summary>
    public TimeSpan? Remaining => Index == 0 ? null : Elapsed / Index * (Count - Index);

    /// <summary>E.g. "suite 4/22 · ETA 1m12s".</summary>
    public override string ToString() =>
        $"suite {Index + 1}/{Count}" + (Remaining is { } eta ? $" · ETA {(int)eta.TotalMinutes}m{eta.Seconds:00}s" : "");
}

/// <summary>
/// Runs a scenario with live progress: on a terminal a Spectre progress bar (elapsed, remaining time of the scenario,
/// and in a suite a second bar over the whole suite with its ETA); when output is not a terminal, a line every 2 s;
/// nothing with <c>--quiet</c>.
/// </summary>
internal static class LiveProgress
{
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, bool quiet, CancellationToken cancellationToken, SuitePosition? suite = null, RunOptions? options = null)
    {
        if (quiet)
        {
            return await ScenarioRunner.RunAsync(scenario, options, null, cancellationToken);
        }

        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var last = DateTime.MinValue;
            var lines = new Progress<RunProgress>(p =>
            {
                if (p.Phase != RunPhase.Running || DateTime.UtcNow - last > TimeSpan.FromSeconds(2))
                {
                    last = DateTime.UtcNow;
                    Console.WriteLine($"  [{scenario.Name}] {Describe(p)}" + (suite is null ? "" : $"  ({suite})"));
                }
            });
            return await ScenarioRunner.RunAsync(scenario, options, lines, cancellationToken);
        }

        ScenarioResult? result = null;
        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var whole = suite is null ? null : ctx.AddTask(Markup.Escape(suite.ToString()), maxValue: suite.Count);
                whole?.Value(suite!.Index);
                var task = ctx.AddTask(Markup.Escape(scenario.Name), maxValue: 1.0);
                var progress = new Progress<RunProgress>(p =>
                {
                    task.Description = Markup.Escape($"{scenario.Name}: {Describe(p)}");
                    task.Value = Fraction(p.Workload);
                    whole?.Value(suite!.Index + task.Value);
                });
                result = await ScenarioRunner.RunAsync(scenario, options, progress, cancellationToken);
                task.Value = 1.0;
                whole?.Value(suite!.Index + 1);
            });
        return result!;
    }

    private static double Fraction(WorkloadProgress w) => w switch
    {
        { TargetOperations: > 0 } => Math.Min(1.0, (double)w.Completed / w.TargetOperations.Value),
        { TargetDuration: { } d } when d > TimeSpan.Zero => Math.Min(1.0, w.Elapsed / d),
        _ => 0,
    };

    private static string Describe(RunProgress p) => p.Phase switch
    {
        RunPhase.Starting => "starting cluster",
        RunPhase.Running => $"{p.Workload.Completed} ops in {p.Workload.Elapsed.TotalSeconds:F1}s",
        RunPhase.Checking => "reading final state, checking history",
        _ => "done",
    };
}
