using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;
using static Testbed.Hosting.Reports.HtmlBuilder;

namespace Testbed.Hosting.Reports;

/// <summary>
/// The body of a bench report: per load mode, the cost of each preset (and transport) by payload size — goodput and
/// p99 as ratios to <c>none</c>/<c>plain</c> (median with a min–max whisker over repetitions), CPU and allocation per
/// operation — then every cell as a table.
/// </summary>
internal static class BenchSections
{
    private const int Height = 300;
    private static readonly OxyColor[] Palette =
    [
        OxyColor.FromRgb(0x61, 0x61, 0x61), OxyColor.FromRgb(0x1E, 0x88, 0xE5), OxyColor.FromRgb(0x43, 0xA0, 0x47),
        OxyColor.FromRgb(0xFB, 0x8C, 0x00), OxyColor.FromRgb(0x8E, 0x24, 0xAA), OxyColor.FromRgb(0xE5, 0x39, 0x35),
        OxyColor.FromRgb(0x00, 0x89, 0x7B), OxyColor.FromRgb(0x6D, 0x4C, 0x41),
    ];

    public static void Write(HtmlBuilder html, BenchReport report)
    {
        if (report.Notes.Count > 0)
        {
            html.Raw("<ul class=\"notes\">").Raw(string.Concat(report.Notes.Select(n => $"<li>{E(n)}</li>"))).Raw("</ul>\n");
        }

        var cells = report.Cells.OrderBy(c => c.Mode, StringComparer.Ordinal).ThenBy(c => c.PayloadBytes).ThenBy(c => AttackMatrix.Rank(c.Preset))
            .ThenBy(c => c.Preset, StringComparer.Ordinal).ThenBy(c => c.Transport == "plain" ? 0 : 1).ThenBy(c => c.Transport, StringComparer.Ordinal).ToArray();
        var chart = 0;
        foreach (var mode in cells.Select(c => c.Mode).Distinct())
        {
            var here = cells.Where(c => c.Mode == mode).ToArray();
            html.Raw($"<section class=\"bench-mode\" id=\"{Id("mode-", mode)}\"><h2>").Text($"Cost per preset and payload size: {mode} loop").Raw("</h2>\n<div class=\"charts\">\n");
            html.Raw(Chart(here, $"{mode}: goodput relative to none/plain", "× none (median, min–max)", c => (c.GoodputRatio.Median, c.GoodputRatio.Min, c.GoodputRatio.Max), $"chart-bench-{chart++}")).Raw("\n");
            html.Raw(Chart(here, $"{mode}: p99 latency relative to none/plain", "× none (median, min–max)", c => (c.P99Ratio.Median, c.P99Ratio.Min, c.P99Ratio.Max), $"chart-bench-{chart++}")).Raw("\n");
            html.Raw(Chart(here, $"{mode}: CPU per operation", "µs CPU / op", c => (c.CpuMicrosPerOp, null, null), $"chart-bench-{chart++}")).Raw("\n");
            html.Raw(Chart(here, $"{mode}: allocation per operation", "KiB allocated / op", c => (c.AllocBytesPerOp / 1024, null, null), $"chart-bench-{chart++}")).Raw("\n");
            html.Raw("</div></section>\n");
        }

        html.Raw("<section id=\"cells\"><h2>All cells</h2>\n");
        html.Table("bench", ["preset", "transport", "payload", "mode", "goodput/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "CPU µs/op", "alloc B/op", "goodput × none", "p99 × none"],
            cells.Select(c => ((string?)null, (IReadOnlyList<string>)
            [
                E(c.Preset), E(c.Transport), E(BenchNames.Size(c.PayloadBytes)), E(c.Mode), N(c.GoodputPerSec, "0.0"), N(c.P50Ms, "0.00"), N(c.P90Ms, "0.00"),
                N(c.P99Ms, "0.00"), N(c.MaxMs, "0.00"), N(c.CpuMicrosPerOp, "0.0"), N(c.AllocBytesPerOp, "0"), Spread(c.GoodputRatio), Spread(c.P99Ratio),
            ])));
        html.Raw("</section>\n");
    }

    private static string Chart(IReadOnlyList<BenchCell> cells, string title, string yTitle, Func<BenchCell, (double Value, double? Min, double? Max)> measure, string id)
    {
        var payloads = cells.Select(c => c.PayloadBytes).Distinct().Order().ToArray();
        var groups = cells.GroupBy(c => (c.Preset, c.Transport)).OrderBy(g => AttackMatrix.Rank(g.Key.Preset)).ThenBy(g => g.Key.Preset, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Transport == "plain" ? 0 : 1).ThenBy(g => g.Key.Transport, StringComparer.Ordinal).ToArray();
        var transports = cells.Select(c => c.Transport).Distinct().Count();
        var model = SvgCharts.Model(title);
        model.Legends.Add(SvgCharts.TopLegend());
        model.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Bottom, Title = "payload", Minimum = -0.5, Maximum = payloads.Length - 0.5, MajorStep = 1, MinorStep = 1,
            MinorTickSize = 0, LabelFormatter = x => Math.Abs(x - Math.Round(x)) < 1e-9 && x >= 0 && x < payloads.Length ? BenchNames.Size(payloads[(int)Math.Round(x)]) : "",
        });
        var values = cells.Select(measure).SelectMany(m => new[] { m.Value, m.Min ?? m.Value, m.Max ?? m.Value }).ToArray();
        model.Axes.Add(SvgCharts.Linear(AxisPosition.Left, yTitle, Math.Min(0, values.Min()), Math.Max(values.Max() * 1.1, 1e-9)));
        for (var g = 0; g < groups.Length; g++)
        {
            var color = Palette[g % Palette.Length];
            var offset = groups.Length == 1 ? 0 : (g - (groups.Length - 1) / 2.0) * Math.Min(0.08, 0.6 / groups.Length);
            var line = new LineSeries
            {
                Title = transports > 1 ? $"{groups[g].Key.Preset} / {groups[g].Key.Transport}" : groups[g].Key.Preset,
                Color = color, MarkerType = MarkerType.Circle, MarkerSize = 3.5, MarkerFill = color, StrokeThickness = 1.6,
                LineStyle = groups[g].Key.Transport == "plain" ? LineStyle.Solid : LineStyle.Dash,
            };
            var whiskers = new LineSeries { Color = color, StrokeThickness = 1.2, BrokenLineStyle = LineStyle.None };
            foreach (var cell in groups[g].OrderBy(c => c.PayloadBytes))
            {
                var x = Array.IndexOf(payloads, cell.PayloadBytes) + offset;
                var (value, min, max) = measure(cell);
                line.Points.Add(new DataPoint(x, value));
                if (min is { } lo && max is { } hi)
                {
                    whiskers.Points.AddRange([new DataPoint(x, lo), new DataPoint(x, hi), DataPoint.Undefined]);
                }
            }

            model.Series.Add(whiskers);
            model.Series.Add(line);
        }

        return SvgCharts.ToSvg(model, id, Height, title);
    }


    private static string Spread(Spread3 s) => $"{N(s.Median, "0.00")} <span class=\"muted\">({N(s.Min, "0.00")}–{N(s.Max, "0.00")})</span>";

}
