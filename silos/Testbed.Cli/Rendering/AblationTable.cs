using System.Globalization;
using Spectre.Console;
using Testbed.Hosting.Ablation;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;

namespace Testbed.Cli.Rendering;

/// <summary>The console output of <c>testbed ablate</c>: a line per run, then per configuration the layer × attack matrix.</summary>
internal static class AblationTable
{
    /// <summary>The line before a run: its position, scenario, seed and what is removed.</summary>
    public static void WriteRunStart(AblationRun run) =>
        AnsiConsole.MarkupLineInterpolated(
            $"[bold]▶ {(run.WarmUp ? "warm-up" : $"{run.Index + 1}/{run.Total}")} {run.Scenario.Name}[/]  seed [cyan]{run.Scenario.Seed}[/]  {(run.WarmUp ? "(discarded)" : run.Removal is { } r ? $"without {r.Describe()}" : $"baseline: {run.Group.Label}")}");

    /// <summary>The line after a run: verdict, goodput, each attack's counts, invariants broken.</summary>
    public static void WriteRunEnd(ScenarioResult r)
    {
        var attacks = string.Join("  ", r.Attacks.Select(a => $"{AttackMatrix.RowOf(a)} S {a.Succeeded} · D {a.Detected} · B {a.Blocked} · A {a.Absorbed}"
            + (a.ContainmentMs is { } c ? $" · contained {c:0}ms" : "")));
        var broken = r.Invariants.Where(i => !i.Holds).Select(i => i.Name).ToArray();
        AnsiConsole.MarkupLine("  " + (r.Passed ? "[green]PASS[/]" : "[red]FAIL[/]") + Markup.Escape(
            string.Create(CultureInfo.InvariantCulture, $" · {r.GoodputPerSec:F1} ops/s")
            + (attacks.Length == 0 ? "" : " · " + attacks)
            + (broken.Length == 0 ? "" : " · broken: " + string.Join(", ", broken))
            + (r.Error is null ? "" : " · error: " + r.Error)));
    }

    /// <summary>Per configuration, the matrix; then which layers were exercised.</summary>
    public static void WriteReport(AblationReport report)
    {
        if (Console.IsOutputRedirected && AnsiConsole.Profile.Width < 200)
        {
            AnsiConsole.Profile.Width = 200; // logs: a matrix with a column per attack is wide; don't fold its cells
        }

        foreach (var group in report.Groups)
        {
            WriteGroup(group);
        }

        var summary = new Table().Border(TableBorder.Rounded).Title("[bold]layers[/]");
        summary.AddColumn("layer");
        summary.AddColumn("verdict");
        summary.AddColumn("changed a cell in (configurations it was removed from)");
        foreach (var layer in report.Layers)
        {
            var of = layer.ExercisedIn.Count + layer.NotExercisedIn.Count;
            summary.AddRow(Markup.Escape(layer.Layer), layer.Exercised ? "[green]exercised[/]" : "[red]not exercised by this suite[/]",
                Markup.Escape($"{layer.ExercisedIn.Count} of {of}" + (layer.ExercisedIn.Count == 0 ? "" : ": " + string.Join("; ", layer.ExercisedIn))));
        }

        AnsiConsole.Write(summary);
        if (report.Skipped.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]left out (no layer to remove): {string.Join(", ", report.Skipped)}[/]");
        }

        if (!report.BaselinePassed)
        {
            AnsiConsole.MarkupLine("[red]a scenario failed with every layer present: its comparisons are suspect[/]");
        }

        AnsiConsole.MarkupLineInterpolated(
            $"{report.Runs} runs in {TimeSpan.FromMilliseconds(report.DurationMs):m\\:ss}; goodput × is with ÷ without the layer (0.90: the layer costs 10%)");
    }

    private static void WriteGroup(AblationGroupResult group)
    {
        var seeds = string.Join(", ", group.Scenarios.Select(s => $"{s.Name} {s.Seed}"));
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(group.Label)}[/]: layer removed × attack")
            .Caption(Markup.Escape($"seeds: {seeds}"));
        table.AddColumn("layer removed");
        foreach (var attack in group.Attacks)
        {
            table.AddColumn(Markup.Escape(attack));
        }

        foreach (var column in new[] { "invariants", "goodput ×", "scenarios failing", "verdict" })
        {
            table.AddColumn(column);
        }

        foreach (var row in group.Rows)
        {
            var invariants = row.Invariants.Count == 0
                ? "[grey]—[/]"
                : "[red]" + Markup.Escape(string.Join(", ", row.Invariants.Select(i => i.Invariant).Distinct())) + " broken[/]";
            table.AddRow(
            [
                Markup.Escape(row.Describe()),
                .. row.Cells.Select(Cell),
                invariants,
                row.Goodput.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "[grey]—[/]",
                row.FailedWithout.Count == 0 ? "[grey]0[/]" : $"[yellow]{row.FailedWithout.Count}/{group.Scenarios.Count}[/]",
                (row.Exercised ? "[green]exercised[/]" : "[red]not exercised by this suite[/]") + (row.Errors.Count > 0 ? $" [red]({row.Errors.Count} runs failed)[/]" : ""),
            ]);
        }

        AnsiConsole.Write(table);
    }

    private static string Cell(AblationCell cell) =>
        cell.Without is not { } without ? "[red]error[/]"
        : !cell.Changed ? "[grey]—[/]"
        : (without.Succeeded > cell.Baseline.Succeeded ? "[red]" : "[yellow]") + Markup.Escape(cell.Short) + "[/]";
}
