using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Testbed.Hosting.Reports;
using Xunit;

namespace Testbed.Tests.Reports;

/// <summary>A generated report opened in a real browser (headless Chromium): the DOM after scripts ran, and a screenshot.</summary>
public sealed class BrowserReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("testbed-browser-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [ChromiumFact]
    public async Task Chromium_renders_the_matrix_and_charts_and_runs_the_script_without_errors()
    {
        var report = HtmlReport.WriteRun([ReportSamples.Failing("replay-none"), ReportSamples.Passing("replay-signed", "signed")],
            "testbed suite scenarios/suite", Path.Combine(_dir, "results"));
        var url = new Uri(report).AbsoluteUri;

        var (code, dom, log) = await Chromium.RunAsync(Path.Combine(_dir, "profile"), "--dump-dom", url);

        Assert.True(code == 0, $"chromium exited {code}: {log}");
        var console = log.Split('\n').Where(line => line.Contains(":CONSOLE", StringComparison.Ordinal)).ToArray();
        Assert.True(console.Length == 0, "the page wrote to the console (script error or blocked load):\n" + string.Join('\n', console));
        Assert.Matches("<body[^>]*data-rendered=\"ok\"", dom);
        Assert.Matches("<body[^>]*data-charts=\"4\"", dom);
        var matrix = Regex.Match(dom, "<table id=\"attack-matrix\".*?</table>", RegexOptions.Singleline).Value;
        Assert.Contains("<div class=\"cell succeeded\"", matrix);
        Assert.Contains("<div class=\"cell detected\"", matrix);
        var chart = Regex.Match(dom, "<svg class=\"chart\" id=\"chart-goodput-0\".*?</svg>", RegexOptions.Singleline).Value;
        Assert.Contains(Regex.Matches(chart, "<polyline points=\"([^\"]*)\"").Select(m => m.Groups[1].Value), points => points.Split(" ").Length >= 6);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", dom);

        var png = Path.Combine(_dir, "report.png");
        (code, _, log) = await Chromium.RunAsync(Path.Combine(_dir, "profile"), "--window-size=1280,2400", $"--screenshot={png}", url);

        Assert.True(code == 0 && File.Exists(png), $"chromium exited {code} without a screenshot: {log}");
        var (width, height, distinctBytes) = Inspect(File.ReadAllBytes(png));
        Assert.Equal((1280, 2400), (width, height));
        Assert.True(distinctBytes > 64, $"the screenshot is nearly blank ({distinctBytes} distinct byte values in its pixels)");
    }

    /// <summary>Width, height and the number of distinct byte values in the decompressed image data of a PNG.</summary>
    private static (int Width, int Height, int DistinctBytes) Inspect(byte[] png)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        var (width, height) = (0, 0);
        using var data = new MemoryStream();
        for (var at = 8; at + 8 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            if (type == "IHDR")
            {
                (width, height) = (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at + 8)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at + 12)));
            }
            else if (type == "IDAT")
            {
                data.Write(png, at + 8, length);
            }

            at += 12 + length;
        }

        data.Position = 0;
        using var pixels = new ZLibStream(data, CompressionMode.Decompress);
        var seen = new bool[256];
        var buffer = new byte[81920];
        for (int read; (read = pixels.Read(buffer)) > 0;)
        {
            foreach (var b in buffer.AsSpan(0, read))
            {
                seen[b] = true;
            }
        }

        return (width, height, seen.Count(s => s));
    }
}
