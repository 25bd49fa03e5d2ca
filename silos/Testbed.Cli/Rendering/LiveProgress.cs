using Spectre.Console;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;

namespace Testbed.Cli.Rendering;

/// <summary>Runs a scenario with live progress: a Spectre progress bar on a terminal, periodic lines otherwise.</summary>
internal static class LiveProgress
{
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, bool quiet, CancellationToken cancellationToken)
    {
        if (quiet)
        {
            return await ScenarioRunner.RunAsync(scenario, null, null, cancellationToken);
        }

        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var last = DateTime.MinValue;
            var lines = new Progress<RunProgress>(p =>
            {
                if (p.Phase != RunPhase.Running || DateTime.UtcNow - last > TimeSpan.FromSeconds(2))
                {
                    last = DateTime.UtcNow;
                    Console.WriteLine($"  [{scenario.Name}] {Describe(p)}");
                }
            });
            return await ScenarioRunner.RunAsync(scenario, null, lines, cancellationToken);
        }

        ScenarioResult? result = null;
        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(scenario.Name), maxValue: 1.0);
                var progress = new Progress<RunProgress>(p =>
                {
                    task.Description = Markup.Escape($"{scenario.Name}: {Describe(p)}");
                    task.Value = Fraction(p.Workload);
                });
                result = await ScenarioRunner.RunAsync(scenario, null, progress, cancellationToken);
                task.Value = 1.0;
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
