using System.Globalization;
using Spectre.Console;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;

namespace Testbed.Cli.Rendering;

/// <summary>
/// The compact per-scenario timeline printed under the result table: goodput per second as a sparkline, each fault's and
/// attack's window as a bar, and detections as ticks, on one shared time axis (the workload's wall time).
/// </summary>
internal static class TimelineView
{
    private const int Width = 60;
    private static readonly char[] Levels = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

    public static void Write(ScenarioResult r)
    {
        if (r.Faults.Count == 0 && r.Attacks.Count == 0)
        {
            return;
        }

        var span = Math.Max(r.DurationMs, 1);
        var step = span / Width;
        var rows = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn(new GridColumn().NoWrap()).AddColumn();
        rows.AddRow("[bold]timeline[/]", Markup.Escape($"0 {new string('─', Width - 12)} {Seconds(span)}"), Markup.Escape($"1 char = {step:F0} ms"));
        rows.AddRow("ok/s", $"[blue]{Sparkline(r, span)}[/]", Markup.Escape($"peak {r.Timeline.Select(b => b.Ok).DefaultIfEmpty().Max()}"));
        foreach (var f in r.Faults)
        {
            var what = $"{f.Injected} injected" + (f.Actions.Count > 0 ? " · " + string.Join(", ", f.Actions.Take(3).Select(a => $"{a.What} @{Seconds(f.StartMs + a.AtMs)}")) : "");
            rows.AddRow(Markup.Escape(f.Kind), $"[yellow]{Bar(f.StartMs, f.StopMs, span, step)}[/]", Markup.Escape(what));
        }

        foreach (var a in r.Attacks)
        {
            rows.AddRow(Markup.Escape(AttackMatrix.RowOf(a)), $"[{(a.Succeeded > 0 ? "red" : "green")}]{Bar(a.StartMs, a.StopMs, span, step)}[/]",
                Markup.Escape($"S {a.Succeeded} · D {a.Detected} · B {a.Blocked} · A {a.Absorbed}"));
        }

        if (r.Detections.Count > 0)
        {
            var ticks = new char[Width];
            Array.Fill(ticks, '·');
            foreach (var d in r.Detections.Where(d => d.AtMs >= 0 && d.AtMs <= span))
            {
                ticks[Math.Min(Width - 1, (int)(d.AtMs / step))] = '|';
            }

            rows.AddRow("detections", $"[red]{new string(ticks)}[/]", Markup.Escape($"{r.SecurityEvents.Total} security events"));
        }

        AnsiConsole.Write(rows);
    }

    private static string Bar(double startMs, double stopMs, double span, double step)
    {
        var cells = new char[Width];
        for (var i = 0; i < Width; i++)
        {
            var t = (i + 0.5) * step;
            cells[i] = t >= startMs && t < Math.Min(stopMs, span) ? '█' : '·';
        }

        return new string(cells);
    }

    private static string Sparkline(ScenarioResult r, double span)
    {
        var max = r.Timeline.Select(b => b.Ok).DefaultIfEmpty().Max();
        var cells = new char[Width];
        for (var i = 0; i < Width; i++)
        {
            var second = (int)((i + 0.5) * span / Width / 1000);
            var ok = second < r.Timeline.Count ? r.Timeline[second].Ok : 0;
            cells[i] = max == 0 ? ' ' : Levels[(int)Math.Round(ok * (Levels.Length - 1.0) / max)];
        }

        return new string(cells);
    }

    private static string Seconds(double ms) => (ms / 1000).ToString("0.0", CultureInfo.InvariantCulture) + "s";
}
