using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;
using Testbed.Hosting.Runs;

namespace Testbed.Hosting.Reports;

/// <summary>
/// A scenario's two charts on the workload's time axis (seconds): goodput (ok, fail, info per second) and latency (p50
/// and p99 of the operations completing each second; log scale when they span more than a factor of 30). Both shade each fault window (amber) and attack window
/// (red when an attempt succeeded, blue otherwise) with its label in a band above the data, draw node and clock actions
/// as dashed lines, and mark detections (security events, binned to 100 ms) as red triangles.
/// </summary>
internal static class TimelineCharts
{
    private const int Height = 300;
    private const double RowFraction = 0.075;
    private const int MaxLabelRows = 6;
    private const int MaxActionLines = 30;
    private static readonly OxyColor Ok = OxyColor.FromRgb(0x2E, 0x7D, 0x32);
    private static readonly OxyColor Fail = OxyColor.FromRgb(0xC6, 0x28, 0x28);
    private static readonly OxyColor Info = OxyColor.FromRgb(0x75, 0x75, 0x75);
    private static readonly OxyColor FaultShade = OxyColor.FromArgb(48, 0xFF, 0xA0, 0x00);
    private static readonly OxyColor FaultText = OxyColor.FromRgb(0x8A, 0x55, 0x00);
    private static readonly OxyColor AttackHit = OxyColor.FromArgb(40, 0xE5, 0x39, 0x35);
    private static readonly OxyColor AttackHitText = OxyColor.FromRgb(0xB7, 0x1C, 0x1C);
    private static readonly OxyColor AttackHeld = OxyColor.FromArgb(40, 0x1E, 0x88, 0xE5);
    private static readonly OxyColor AttackHeldText = OxyColor.FromRgb(0x0D, 0x47, 0xA1);

    /// <summary>Goodput over time as SVG, or null when the run has no timeline.</summary>
    public static string? Goodput(ScenarioResult r, string id)
    {
        if (r.Timeline.Count == 0)
        {
            return null;
        }

        var lanes = Lanes(r);
        var ok = Rates(r, b => b.Ok);
        var fail = Rates(r, b => b.Fail);
        var info = Rates(r, b => b.Info);
        var dataMax = Math.Max(1, new[] { ok, fail, info }.SelectMany(s => s).Select(p => p.Value ?? 0).DefaultIfEmpty().Max());
        var top = dataMax / lanes.DataFraction;
        var model = SvgCharts.Model($"{r.Name}: goodput over time");
        model.Legends.Add(SvgCharts.TopLegend());
        model.Axes.Add(TimeAxis(r));
        model.Axes.Add(SvgCharts.Linear(AxisPosition.Left, "operations/s", 0, top));
        model.Series.Add(Steps("ok/s", ok, Ok));
        if (fail.Any(p => p.Value > 0))
        {
            model.Series.Add(Steps("fail/s", fail, Fail));
        }

        if (info.Any(p => p.Value > 0))
        {
            model.Series.Add(Steps("info/s", info, Info));
        }

        Decorate(model, r, lanes, fraction => fraction * top);
        return SvgCharts.ToSvg(model, id, Height, $"Goodput over time of {r.Name}");
    }

    /// <summary>Latency (p50, p99 per second) over time as SVG, or null when no second has a latency.</summary>
    public static string? Latency(ScenarioResult r, string id)
    {
        var p50 = Values(r, b => b.P50Ms);
        var p99 = Values(r, b => b.P99Ms);
        var values = p50.Concat(p99).Where(p => p.Value is not null).Select(p => p.Value!.Value).ToArray();
        if (values.Length == 0)
        {
            return null;
        }

        var lanes = Lanes(r);
        var model = SvgCharts.Model($"{r.Name}: latency over time");
        model.Legends.Add(SvgCharts.TopLegend());
        model.Axes.Add(TimeAxis(r));
        Func<double, double> y;
        if (values.Max() / values.Min() > 30)
        {
            var bottom = Math.Log10(Math.Max(0.001, values.Min() / 1.5));
            var top = bottom + (Math.Log10(values.Max() * 1.2) - bottom) / lanes.DataFraction;
            var axis = new LogarithmicAxis { Position = AxisPosition.Left, Title = "ms (log)", Minimum = Math.Pow(10, bottom), Maximum = Math.Pow(10, top), AxisTitleDistance = 8 };
            SvgCharts.Grid(axis);
            model.Axes.Add(axis);
            y = fraction => Math.Pow(10, bottom + fraction * (top - bottom));
        }
        else
        {
            var top = values.Max() * 1.1 / lanes.DataFraction;
            model.Axes.Add(SvgCharts.Linear(AxisPosition.Left, "ms", 0, top));
            y = fraction => fraction * top;
        }

        model.Series.Add(Steps("p50", p50, OxyColor.FromRgb(0x19, 0x76, 0xD2)));
        model.Series.Add(Steps("p99", p99, OxyColor.FromRgb(0x8E, 0x24, 0xAA)));
        Decorate(model, r, lanes, y);
        return SvgCharts.ToSvg(model, id, Height, $"Latency over time of {r.Name}");
    }

    /// <summary>How much of the height the data gets: the rest is one label row per window (up to 6) and a detection row.</summary>
    private sealed record Layout(int LabelRows, bool DetectionRow)
    {
        public double DataFraction => 1 - RowFraction * (LabelRows + (DetectionRow ? 1 : 0)) - 0.03;
    }

    private static Layout Lanes(ScenarioResult r) =>
        new(Math.Min(MaxLabelRows, r.Faults.Count + r.Attacks.Count), r.Detections.Count > 0);

    private static LinearAxis TimeAxis(ScenarioResult r) =>
        SvgCharts.Linear(AxisPosition.Bottom, "seconds since workload start", 0, Math.Max(r.DurationMs / 1000, r.Timeline.Count > 0 ? 0.5 : 1));

    private static string Short(string text) => text.Length <= 20 ? text : text[..19] + "…";

    /// <summary>A per-second measure drawn as steps: flat across each bucket, broken where a bucket has no value.</summary>
    private static LineSeries Steps(string title, IEnumerable<(double Start, double Length, double? Value)> buckets, OxyColor color)
    {
        var series = new LineSeries { Title = title, Color = color, StrokeThickness = 1.6, BrokenLineStyle = LineStyle.None };
        foreach (var (start, length, value) in buckets)
        {
            if (value is { } v)
            {
                series.Points.AddRange([new DataPoint(start, v), new DataPoint(start + length, v)]);
            }
            else if (series.Points.Count > 0 && series.Points[^1].IsDefined())
            {
                series.Points.Add(DataPoint.Undefined);
            }
        }

        return series;
    }

    /// <summary>Per-second rates; the last bucket, shorter than a second, is divided by its length (left out under 100 ms).</summary>
    private static List<(double Start, double Length, double? Value)> Rates(ScenarioResult r, Func<TimelineBucket, long> count) =>
        Buckets(r).Where(b => b.Length >= 0.1).Select(b => (b.Start, b.Length, (double?)(count(b.Bucket) / b.Length))).ToList();

    private static List<(double Start, double Length, double? Value)> Values(ScenarioResult r, Func<TimelineBucket, double?> value) =>
        Buckets(r).Select(b => (b.Start, b.Length, value(b.Bucket) is { } v && v > 0 ? v : (double?)null)).ToList();

    private static IEnumerable<(TimelineBucket Bucket, double Start, double Length)> Buckets(ScenarioResult r)
    {
        var end = r.DurationMs / 1000;
        foreach (var bucket in r.Timeline)
        {
            var length = Math.Clamp(end - bucket.Second, 0, 1);
            yield return (bucket, bucket.Second, length > 0 ? length : 1);
        }
    }

    /// <summary>Shades windows, labels them, draws node/clock actions, marks detections. <paramref name="y"/> maps a height fraction to data.</summary>
    private static void Decorate(PlotModel model, ScenarioResult r, Layout lanes, Func<double, double> y)
    {
        var windows = r.Faults.Select(f => (Label: $"fault {f.Kind}", f.StartMs, f.StopMs, Fill: FaultShade, Text: FaultText))
            .Concat(r.Attacks.Select(a => (Label: $"attack {AttackMatrix.RowOf(a)} (S {a.Succeeded} · D {a.Detected})", a.StartMs, a.StopMs,
                Fill: a.Succeeded > 0 ? AttackHit : AttackHeld, Text: a.Succeeded > 0 ? AttackHitText : AttackHeldText)))
            .ToArray();
        for (var i = 0; i < windows.Length; i++)
        {
            var w = windows[i];
            var row = i % MaxLabelRows;
            model.Annotations.Add(new RectangleAnnotation
            {
                MinimumX = w.StartMs / 1000, MaximumX = w.StopMs / 1000, Fill = w.Fill, Layer = AnnotationLayer.BelowSeries,
                Text = w.Label, TextColor = w.Text, FontSize = 10, TextHorizontalAlignment = HorizontalAlignment.Left,
                TextVerticalAlignment = VerticalAlignment.Top, TextPosition = new DataPoint(w.StartMs / 1000, y(1 - 0.01 - RowFraction * row)),
            });
        }

        foreach (var (fault, action) in r.Faults.SelectMany(f => f.Actions.Select(a => (f, a))).Take(MaxActionLines))
        {
            model.Annotations.Add(new LineAnnotation
            {
                Type = LineAnnotationType.Vertical, X = (fault.StartMs + action.AtMs) / 1000, Color = FaultText, LineStyle = LineStyle.Dash,
                StrokeThickness = 1, Text = Short(action.What), TextColor = FaultText, FontSize = 9, Layer = AnnotationLayer.BelowSeries,
                TextLinePosition = 0.02, TextOrientation = AnnotationTextOrientation.Vertical, TextHorizontalAlignment = HorizontalAlignment.Left,
            });
        }

        if (lanes.DetectionRow)
        {
            var bins = r.Detections.GroupBy(d => Math.Floor(d.AtMs / 100)).Select(g => (AtS: (g.Key + 0.5) / 10, Count: g.Count())).ToArray();
            var title = r.Detections.Count >= Detection.Limit ? $"detections (first {Detection.Limit})" : $"detections ({r.Detections.Count})";
            var marks = new ScatterSeries { Title = title, MarkerType = MarkerType.Triangle, MarkerSize = 3.5, MarkerFill = Fail, MarkerStroke = Fail };
            var at = y(lanes.DataFraction + RowFraction / 2);
            marks.Points.AddRange(bins.Select(b => new ScatterPoint(b.AtS, at)));
            model.Series.Add(marks);
        }
    }
}
