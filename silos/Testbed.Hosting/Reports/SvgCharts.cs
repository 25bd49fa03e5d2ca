using System.Text.RegularExpressions;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;

namespace Testbed.Hosting.Reports;

/// <summary>
/// Turns OxyPlot models into inline SVG for the report: OxyPlot's <see cref="SvgExporter"/> (pure managed code; text is
/// measured with its built-in font metrics), then made fit to sit many to a page — no XML declaration, ids prefixed per
/// chart (every export numbers its clip paths from 1, and ids are global to the HTML document), a viewBox so the chart
/// scales, and an accessible label.
/// </summary>
internal static partial class SvgCharts
{
    /// <summary>Chart width in SVG units.</summary>
    public const int Width = 960;

    /// <summary>Font of every chart; it is measured with Helvetica's metrics.</summary>
    public const string Font = "Helvetica, Arial, 'Liberation Sans', sans-serif";

    /// <summary>A plot model with the report's look.</summary>
    public static PlotModel Model(string title) => new()
    {
        Title = title,
        TitleFontSize = 13,
        TitleFontWeight = FontWeights.Bold,
        DefaultFont = Font,
        DefaultFontSize = 11,
        Background = OxyColors.White,
        PlotAreaBorderColor = OxyColor.FromRgb(0x99, 0x99, 0x99),
        Padding = new OxyThickness(8, 4, 16, 4),
    };

    /// <summary>A legend above the plot area, in a row.</summary>
    public static Legend TopLegend() => new()
    {
        LegendPlacement = LegendPlacement.Outside,
        LegendPosition = LegendPosition.TopLeft,
        LegendOrientation = LegendOrientation.Horizontal,
        LegendFontSize = 11,
        LegendBackground = OxyColors.Transparent,
        LegendBorderThickness = 0,
    };

    /// <summary>A linear axis with light grid lines.</summary>
    public static LinearAxis Linear(AxisPosition position, string title, double? minimum = null, double? maximum = null)
    {
        var axis = new LinearAxis { Position = position, Title = title, AxisTitleDistance = 8 };
        Grid(axis);
        if (minimum is { } min)
        {
            axis.Minimum = min;
        }

        if (maximum is { } max)
        {
            axis.Maximum = max;
        }

        return axis;
    }

    /// <summary>Sets the report's grid lines on <paramref name="axis"/>.</summary>
    public static void Grid(Axis axis)
    {
        axis.MajorGridlineStyle = LineStyle.Solid;
        axis.MajorGridlineColor = OxyColor.FromRgb(0xE6, 0xE6, 0xE6);
        axis.MinorTickSize = 0;
        axis.TickStyle = TickStyle.Outside;
        axis.AxislineColor = OxyColor.FromRgb(0x99, 0x99, 0x99);
    }

    /// <summary>The model as an inline <c>&lt;svg class="chart"&gt;</c> element with id <paramref name="id"/>.</summary>
    public static string ToSvg(PlotModel model, string id, int height, string label)
    {
        var svg = SvgExporter.ExportToString(model, Width, height, isDocument: false, new RoomyTextMeasurer(Width, height));
        svg = XmlDeclaration().Replace(svg, "", 1);
        svg = svg.Replace("id=\"clipPath", $"id=\"{id}-clip", StringComparison.Ordinal)
                 .Replace("url(#clipPath", $"url(#{id}-clip", StringComparison.Ordinal);
        var root = svg.IndexOf("<svg ", StringComparison.Ordinal);
        if (root < 0)
        {
            throw new InvalidOperationException("OxyPlot's SVG export has no <svg> element");
        }

        var attributes = $"<svg class=\"chart\" id=\"{HtmlBuilder.E(id)}\" role=\"img\" aria-label=\"{HtmlBuilder.E(label)}\" " +
                         $"viewBox=\"0 0 {Width} {height}\" preserveAspectRatio=\"xMinYMin meet\" ";
        return string.Concat(svg.AsSpan(0, root), attributes, svg.AsSpan(root + "<svg ".Length)).Trim();
    }

    /// <summary>
    /// OxyPlot's built-in Helvetica metrics (its PDF text measurer) give sizes in points, three quarters of the pixels the
    /// SVG is drawn in: scaled by 4/3 they fit Helvetica and Arial, and widths get 10 % more for a browser that has
    /// neither and falls back to a wider sans-serif (DejaVu Sans on Debian). Measured short, axis titles overlap tick
    /// labels and legends are cut off.
    /// </summary>
    private sealed class RoomyTextMeasurer(double width, double height) : PdfRenderContext(width, height, OxyColors.White)
    {
        private const double PixelsPerPoint = 96.0 / 72;

        public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight)
        {
            var size = base.MeasureText(text, fontFamily, fontSize, fontWeight);
            return new OxySize(size.Width * PixelsPerPoint * 1.1, size.Height * PixelsPerPoint);
        }
    }

    [GeneratedRegex(@"^\s*<\?xml[^>]*\?>\s*")]
    private static partial Regex XmlDeclaration();
}
