using System.Globalization;
using Spectre.Console;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;

namespace Testbed.Cli.Rendering;

/// <summary>The console output of <c>testbed bench</c>: the ratio table, message- vs transport-level protection, the verdicts.</summary>
internal static class BenchTable
{
    public static void Write(BenchReport report, ClusterBenchResult result)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]defense cost[/]");
        foreach (var column in new[] { "preset · transport", "goodput/s", "× none min/med/max", "p50 ms", "p90 ms", "p99 ms", "max ms", "p99 ×", "CPU µs/op", "KB/op" })
        {
            var aligned = table.Columns.Count == 0 ? new TableColumn(column).LeftAligned().PadRight(1) : new TableColumn(column).RightAligned().PadRight(0);
            table.AddColumn(aligned.NoWrap().PadLeft(1));
        }

        string? group = null;
        foreach (var cell in report.Cells)
        {
            var key = $"{cell.Mode} loop · {BenchNames.Size(cell.PayloadBytes)}";
            if (key != group)
            {
                table.AddRow($"[bold]{key}[/]", "", "", "", "", "", "", "", "", "");
                group = key;
            }

            var baseline = report.Cells.FirstOrDefault(c => c.Mode == cell.Mode && c.PayloadBytes == cell.PayloadBytes && c.Preset == BenchNames.BaselinePreset && c.Transport == BenchNames.Plain);
            var cpu = F(cell.CpuMicrosPerOp, 0) + (baseline is { CpuMicrosPerOp: > 0 } ? $" ({F(cell.CpuMicrosPerOp / baseline.CpuMicrosPerOp, 1)}×)" : "");
            table.AddRow(
                Markup.Escape($"{cell.Preset} · {cell.Transport}"), F(cell.GoodputPerSec, 0), SpreadText(cell.GoodputRatio),
                F(cell.P50Ms, 2), F(cell.P90Ms, 2), F(cell.P99Ms, 2), F(cell.MaxMs, 1), F(cell.P99Ratio.Median, 2),
                cpu, F(cell.AllocBytesPerOp / 1024, 0));
        }

        table.Caption($"[grey]× none: goodput ratio to none · plain per repetition, min/median/max over {report.Repetitions}; p99 ×: median p99 ratio; others: medians; {(result.Plan.Cluster == Scenarios.ClusterMode.Processes ? "CPU: runner + silo processes + redis per op; KB: runner only per op" : "CPU, KB: whole process per op")}[/]");
        AnsiConsole.Write(table);
        WriteProtectionLevels(report);
        foreach (var verdict in BenchTargets.Evaluate(report.Cells))
        {
            var color = verdict.Met switch { true => "green", false => "red", null => "grey" };
            AnsiConsole.MarkupLine($"[{color}]{Markup.Escape(verdict.ToString())}[/]");
        }

        foreach (var run in result.Runs.Where(r => r.Error is not null))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]run not comparable: {run.Case} repetition {run.Repetition}: {run.Error}[/]");
        }

        if (result.TlsCipherSuite is { } suite)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]orleans-tls negotiated {suite} (mutual TLS, run-scoped ECDSA P-256 certificates, over {(result.Plan.Cluster == Scenarios.ClusterMode.Processes ? "real TCP" : "the in-memory transport")})[/]");
        }

        AnsiConsole.MarkupLineInterpolated($"[grey]{report.Machine}[/]");
        if (result.LoadBefore is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]load average before: {result.LoadBefore}, after: {result.LoadAfter} ({report.Cores} cores); {result.Runs.Count} runs in {result.Elapsed.TotalSeconds:F0} s[/]");
        }
    }

    /// <summary>Goodput × none of message-level protection (tls-like), transport-level (Orleans TLS) and both, per payload and mode.</summary>
    private static void WriteProtectionLevels(BenchReport report)
    {
        BenchCell? Find(BenchCell at, string preset, string transport) =>
            report.Cells.FirstOrDefault(c => c.Mode == at.Mode && c.PayloadBytes == at.PayloadBytes && c.Preset == preset && c.Transport == transport);
        var rows = report.Cells.Where(c => c is { Preset: BenchNames.BaselinePreset, Transport: BenchNames.Plain })
            .Select(b => (Base: b, Message: Find(b, "tls-like", BenchNames.Plain), Transport: Find(b, BenchNames.BaselinePreset, BenchNames.OrleansTls), Both: Find(b, "tls-like", BenchNames.OrleansTls)))
            .Where(r => r.Message is not null && r.Transport is not null)
            .ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]message-level vs transport-level protection[/] (goodput × none/plain, median)");
        foreach (var column in new[] { "mode", "payload", "tls-like (message)", "none + orleans-tls (transport)", "tls-like + orleans-tls (both)" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var (b, message, transport, both) in rows)
        {
            table.AddRow(b.Mode, BenchNames.Size(b.PayloadBytes), F(message!.GoodputRatio.Median, 2), F(transport!.GoodputRatio.Median, 2), both is null ? "—" : F(both.GoodputRatio.Median, 2));
        }

        AnsiConsole.Write(table);
    }

    private static string SpreadText(Spread3 s) => $"{F(s.Min, 2)}/[bold]{F(s.Median, 2)}[/]/{F(s.Max, 2)}";

    private static string F(double value, int decimals) => value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
