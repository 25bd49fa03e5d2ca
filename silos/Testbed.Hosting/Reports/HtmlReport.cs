using System.Security.Cryptography;
using System.Text;
using Testbed.Hosting.Runs;
using static Testbed.Hosting.Reports.HtmlBuilder;

namespace Testbed.Hosting.Reports;

/// <summary>
/// Writes <c>report.html</c>: one self-contained file that works offline — styles, a small script and every chart
/// (inline SVG drawn by OxyPlot) are in the file, and nothing is loaded from anywhere (its Content-Security-Policy
/// forbids it). All text from results is HTML-encoded.
/// </summary>
public static class HtmlReport
{
    /// <summary>The file name inside the results folder.</summary>
    public const string FileName = "report.html";

    // Runs last: marks the body so a headless browser can tell that scripts ran without an error before it.
    private const string Script = """
        (function () {
          var only = document.getElementById('only-failed');
          if (only) { only.addEventListener('change', function () { document.body.classList.toggle('only-failed', only.checked); }); }
          document.body.dataset.charts = String(document.querySelectorAll('svg.chart').length);
          document.body.dataset.rendered = 'ok';
        })();
        """;

    /// <summary>Writes the report of a <c>run</c> or <c>suite</c> to <paramref name="outDir"/>; returns its path.</summary>
    public static string WriteRun(IReadOnlyList<ScenarioResult> results, string command, string outDir) =>
        Write(outDir, RenderRun(results, command));

    /// <summary>Writes the report of a <c>bench</c> invocation to <paramref name="outDir"/>; returns its path.</summary>
    public static string WriteBench(BenchReport report, string outDir) => Write(outDir, RenderBench(report));

    /// <summary>
    /// Writes the report of a <c>testbed ablate</c> invocation to <paramref name="outDir"/>: the ablation matrices first, then
    /// the suite report of the baseline runs (every layer present); returns its path.
    /// </summary>
    public static string WriteAblation(Ablation.AblationReport report, IReadOnlyList<ScenarioResult> baseline, string outDir) =>
        Write(outDir, RenderAblation(report, baseline));

    /// <summary>The ablation report as HTML (see <see cref="WriteAblation"/>).</summary>
    public static string RenderAblation(Ablation.AblationReport report, IReadOnlyList<ScenarioResult> baseline)
    {
        ArgumentNullException.ThrowIfNull(report);
        return RenderRun(baseline, report.Command, $"Testbed ablation: {report.Suite}", html => AblationSections.Write(html, report));
    }

    /// <summary>The run or suite report as HTML.</summary>
    public static string RenderRun(IReadOnlyList<ScenarioResult> results, string command) => RenderRun(results, command, null, null);

    private static string RenderRun(IReadOnlyList<ScenarioResult> results, string command, string? heading, Action<HtmlBuilder>? first)
    {
        var html = new HtmlBuilder();
        var passed = results.Count(r => r.Passed);
        var title = heading ?? (results.Count == 1 ? $"Testbed run: {results[0].Name}" : $"Testbed suite: {results.Count} scenarios");
        html.Raw("<header>\n").Element("h1", title);
        html.Raw($"<p class=\"verdict {(passed == results.Count ? "pass" : "fail")}\">{N(passed)} of {N(results.Count)} scenario{(results.Count == 1 ? "" : "s")} passed</p>\n");
        var seeds = results.Select(r => r.Seed).Distinct().ToArray();
        html.Facts(
        [
            ("reproduce", $"<pre class=\"command\"><code>{E(command)}</code></pre>"),
            ("working directory", $"<code>{E(Environment.CurrentDirectory)}</code>"),
            (seeds.Length == 1 ? "seed" : "seeds", seeds.Length == 1
                ? N(seeds[0])
                : E(string.Join(", ", results.Select(r => $"{r.Name} {r.Seed}")))),
            ("machine", E(ReportCommand.Machine())),
            ("generated", E(DateTimeOffset.UtcNow.ToString("u", System.Globalization.CultureInfo.InvariantCulture))),
        ]);
        if (results.Count > 1)
        {
            html.Raw("<label class=\"toggle\"><input type=\"checkbox\" id=\"only-failed\"> show only failed scenarios</label>\n");
        }

        html.Raw("</header>\n<main>\n");
        first?.Invoke(html);
        RunSections.Summary(html, results);
        RunSections.Matrix(html, results);
        for (var i = 0; i < results.Count; i++)
        {
            RunSections.Scenario(html, results[i], i);
        }

        html.Raw("</main>\n");
        return Document(title, html.ToString());
    }

    /// <summary>The bench report as HTML.</summary>
    public static string RenderBench(BenchReport report)
    {
        var html = new HtmlBuilder();
        html.Raw("<header>\n").Element("h1", report.Title);
        html.Facts(
        [
            ("reproduce", $"<pre class=\"command\"><code>{E(report.Command)}</code></pre>"),
            ("working directory", $"<code>{E(Environment.CurrentDirectory)}</code>"),
            ("machine", E($"{report.Machine} ({report.Cores} cores)")),
            ("repetitions", $"{N(report.Repetitions)} × {N(report.Operations)} operations per cell"),
            ("generated", E(DateTimeOffset.UtcNow.ToString("u", System.Globalization.CultureInfo.InvariantCulture))),
        ]);
        html.Raw("</header>\n<main>\n");
        BenchSections.Write(html, report);
        html.Raw("</main>\n");
        return Document(report.Title, html.ToString());
    }

    private static string Write(string outDir, string html)
    {
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, FileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temp, path, overwrite: true);
        return path;
    }

    private static string Document(string title, string body)
    {
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Script)));
        return $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{hash}'">
            <title>{E(title)}</title>
            <style>{ReportStyle.Css}</style>
            </head>
            <body data-rendered="no">
            {body}<script>{Script}</script>
            </body>
            </html>

            """;
    }
}
