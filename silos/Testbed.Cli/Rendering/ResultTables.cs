using Spectre.Console;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;

namespace Testbed.Cli.Rendering;

/// <summary>The console tables printed after each scenario and after a suite.</summary>
internal static class ResultTables
{
    public static void WriteScenario(ScenarioResult r, string resultDir)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(r.Name)}[/] — {Verdict(r.Passed)}");
        table.AddColumn("measure");
        table.AddColumn("value");
        table.AddRow("seed", r.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (r.Error is not null)
        {
            table.AddRow("[red]error[/]", Markup.Escape(r.Error));
        }

        table.AddRow("operations", Markup.Escape($"{r.Operations.Invoked} invoked: {r.Operations.Ok} ok, {r.Operations.Fail} fail, {r.Operations.Info} info"
            + (r.Operations.Retries > 0 ? $" ({r.Operations.Retries} retries)" : "")));
        table.AddRow("goodput", $"{r.GoodputPerSec:F1} ops/s over " + (r.DurationMs < 1000 ? $"{r.DurationMs:F0} ms" : $"{r.DurationMs / 1000:F1} s"));
        table.AddRow("latency", $"p50 {r.LatencyMs.P50:F2} ms · p99 {r.LatencyMs.P99:F2} ms · max {r.LatencyMs.Max:F2} ms");
        table.AddRow("defenses", Markup.Escape(r.DescribeDefenses()));
        foreach (var script in r.Scripts)
        {
            table.AddRow("script", Markup.Escape($"{script.Entry} {script.Kind}: {Path.GetFileName(script.Path)} sha256 {script.Sha256[..12]}…, compiled in {script.CompileMs:F0} ms"));
        }

        table.AddRow("wire", $"{r.Wire.Requests} requests, {r.Wire.Bytes / 1024.0:F0} KiB");
        table.AddRow("security events", r.SecurityEvents.Total == 0
            ? "0"
            : Markup.Escape($"{r.SecurityEvents.Total}: " + string.Join(", ", r.SecurityEvents.ByLayer.SelectMany(l => l.Value.Select(x => $"{l.Key}/{x.Key} {x.Value}")))));
        foreach (var inv in r.Invariants)
        {
            var detail = inv.Holds ? "[green]holds[/]" : "[red]VIOLATED[/] " + Markup.Escape(string.Join("; ", inv.Counterexamples.Take(3)));
            table.AddRow(Markup.Escape(inv.Name), detail);
        }

        foreach (var a in r.Attacks)
        {
            var detail = $"{a.Attempts} attempts: {a.Succeeded} succeeded, {a.Detected} detected, {a.Blocked} blocked, {a.Absorbed} absorbed"
                + (a.MttdMs is { } mttd ? $" · MTTD {mttd:F0} ms" : "") + (a.ContainmentMs is { } contained ? $" · contained in {contained:F0} ms" : "")
                + (a.Errors.Count > 0 ? $" · error: {a.Errors[0]}" : "");
            table.AddRow($"attack {Markup.Escape(AttackMatrix.RowOf(a))} ({Markup.Escape(a.Capec)})", (a.Succeeded > 0 || a.Errors.Count > 0 ? "[red]" : "[green]") + Markup.Escape(detail) + "[/]");
            SlowHooks(table, a.SlowHooks);
        }

        foreach (var f in r.Faults)
        {
            var detail = $"{f.Injected} injected · targets {f.Targets} · {f.StartMs / 1000:0.###}s–{f.StopMs / 1000:0.###}s"
                + (f.Errors.Count > 0 ? " · error: " + f.Errors[0] : "");
            table.AddRow($"fault {Markup.Escape(f.Kind)}", (f.Errors.Count > 0 ? "[red]" : "[yellow]") + Markup.Escape(detail) + "[/]");
            SlowHooks(table, f.SlowHooks);
        }

        foreach (var e in r.Expectations.Where(e => !e.Passed))
        {
            table.AddRow($"[red]expect {Markup.Escape(e.Name)}[/]", Markup.Escape(e.Detail));
        }

        table.Caption(Markup.Escape(resultDir));
        AnsiConsole.Write(table);
        TimelineView.Write(r);
    }

    /// <summary>A line under an attack or a fault whose synchronous hooks held the wire (reported, not a failure).</summary>
    private static void SlowHooks(Table table, IReadOnlyList<Testbed.Attacks.Api.SlowHook> slowHooks)
    {
        if (slowHooks.Count > 0)
        {
            table.AddRow("", "[yellow]" + Markup.Escape(SlowHookText.Of(slowHooks)) + "[/]");
        }
    }

    public static void WriteSuite(IReadOnlyList<ScenarioResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]suite[/]");
        foreach (var column in new[] { "scenario", "seed", "defenses", "ops", "goodput/s", "p50 ms", "p99 ms", "events", "invariants", "result" })
        {
            table.AddColumn(column);
        }

        foreach (var r in results)
        {
            var held = r.Invariants.Count(i => i.Holds);
            table.AddRow(
                Markup.Escape(r.Name),
                r.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(r.Preset ?? (r.Defenses.Count == 0 ? "none" : string.Join("+", r.Defenses))),
                r.Operations.Invoked.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{r.GoodputPerSec:F1}",
                $"{r.LatencyMs.P50:F2}",
                $"{r.LatencyMs.P99:F2}",
                r.SecurityEvents.Total.ToString(System.Globalization.CultureInfo.InvariantCulture),
                held == r.Invariants.Count && r.Invariants.Count > 0 ? $"[green]{held}/{r.Invariants.Count}[/]" : $"[red]{held}/{r.Invariants.Count}[/]",
                Verdict(r.Passed));
        }

        AnsiConsole.Write(table);
        WriteMatrix(results);
        var passed = results.Count(r => r.Passed);
        AnsiConsole.MarkupLine($"{passed} passed, {results.Count - passed} failed");
    }

    /// <summary>Rows: attacks; columns: defense presets; cells: what happened to the attempts, summed over scenarios.</summary>
    private static void WriteMatrix(IReadOnlyList<ScenarioResult> results)
    {
        var matrix = AttackMatrix.From(results);
        if (matrix.IsEmpty)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]attack × defense[/]  (S succeeded · D detected · B blocked · A absorbed)");
        table.AddColumn("attack");
        foreach (var column in matrix.Columns)
        {
            table.AddColumn(Markup.Escape(column));
        }

        foreach (var attack in matrix.Attacks)
        {
            var row = new List<string> { Markup.Escape(attack) };
            foreach (var column in matrix.Columns)
            {
                if (matrix[attack, column] is not { } cell)
                {
                    row.Add("[grey]·[/]");
                    continue;
                }

                var color = cell.Outcome switch
                {
                    CellOutcome.Succeeded => "red",
                    CellOutcome.Detected => "green",
                    CellOutcome.Blocked => "yellow",
                    _ => "grey",
                };
                row.Add($"[{color}]S {cell.Succeeded} · D {cell.Detected} · B {cell.Blocked} · A {cell.Absorbed}[/]");
            }

            table.AddRow(row.ToArray());
        }

        AnsiConsole.Write(table);
    }

    private static string Verdict(bool passed) => passed ? "[green]PASS[/]" : "[red]FAIL[/]";
}
