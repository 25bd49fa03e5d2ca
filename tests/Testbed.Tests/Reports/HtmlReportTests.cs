using System.Text.RegularExpressions;
using System.Xml.Linq;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;
using Xunit;

namespace Testbed.Tests.Reports;

/// <summary>report.html: self-contained, escaped, with the matrix, the charts and every verdict.</summary>
public sealed partial class HtmlReportTests : IDisposable
{
    private const string Command = "testbed suite scenarios/suite --out results";
    private readonly string _dir = Directory.CreateTempSubdirectory("testbed-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IReadOnlyList<ScenarioResult> Suite() =>
    [
        ReportSamples.Failing("replay-none"),
        ReportSamples.Passing("replay-signed", "signed"),
        ReportSamples.Passing("spoof-tls", "tls-like", attack: "spoof") with { Seed = 7 },
        ReportSamples.Crashed("crashed"),
    ];

    [Fact]
    public void Report_is_one_file_that_loads_nothing_from_anywhere()
    {
        var path = HtmlReport.WriteRun(Suite(), Command, _dir);
        var html = File.ReadAllText(path);

        Assert.Equal(Path.Combine(_dir, "report.html"), path);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotMatch(@"(?i)\b(src|href|action|poster|data)\s*=\s*[""']?\s*(https?:)?//", html);
        Assert.DoesNotMatch(@"(?i)<(link|iframe|img|object|embed)\b", html);
        Assert.DoesNotContain("@import", html);
        Assert.All(Regex.Matches(html, @"\bhref=""([^""]*)""").Select(m => m.Groups[1].Value), href => Assert.StartsWith("#", href));
        Assert.All(Regex.Matches(html, @"url\(([^)]*)\)").Select(m => m.Groups[1].Value), url => Assert.StartsWith("#", url));
        Assert.Contains("default-src 'none'", html);
        Assert.Single(Regex.Matches(html, "<script"));
    }

    [Fact]
    public void Hostile_text_is_shown_as_text()
    {
        var html = HtmlReport.RenderRun(Suite(), "testbed run '<b>x</b>.yaml'");

        Assert.DoesNotContain(ReportSamples.Hostile, html);
        Assert.DoesNotContain("<b>x</b>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("testbed run &#39;&lt;b&gt;x&lt;/b&gt;.yaml&#39;", html);
        Assert.Single(Regex.Matches(html, "<script"));
        Assert.Contains("<li><code>order o-1-7 debited twice &lt;script&gt;", html);
    }

    [Fact]
    public void Matrix_has_one_colored_cell_per_attack_and_preset_like_the_console()
    {
        var html = HtmlReport.RenderRun(Suite(), Command);
        var table = Regex.Match(html, @"<table id=""attack-matrix""[^>]*>(.*?)</table>", RegexOptions.Singleline).Groups[1].Value;
        var header = Regex.Matches(Regex.Match(table, "<thead>(.*?)</thead>").Groups[1].Value, "<th>(.*?)</th>").Select(m => m.Groups[1].Value);
        var rows = Regex.Matches(table, @"<tr><td>([^<]*)</td>(.*?)</tr>", RegexOptions.Singleline)
            .ToDictionary(m => m.Groups[1].Value, m => Regex.Matches(m.Groups[2].Value, "<td>(.*?)</td>").Select(c => c.Groups[1].Value).ToArray());

        Assert.Equal(["attack", "none", "signed", "tls-like"], header);
        Assert.Equal(["replay", "spoof"], rows.Keys.Order());
        Assert.Contains("class=\"cell succeeded\"", rows["replay"][0]);
        Assert.Contains("S 7 · D 0 · B 0 · A 3", rows["replay"][0]);
        Assert.Contains("href=\"#s-replay-none\"", rows["replay"][0]);
        Assert.Contains("class=\"cell detected\"", rows["replay"][1]);
        Assert.Contains("S 0 · D 10 · B 0 · A 0", rows["replay"][1]);
        Assert.Contains("class=\"none\"", rows["replay"][2]);
        Assert.Contains("class=\"cell detected\"", rows["spoof"][0]);
        Assert.Contains("class=\"cell detected\"", rows["spoof"][2]);
    }

    [Fact]
    public void Each_scenario_has_goodput_and_latency_charts_with_windows_detections_and_data()
    {
        var html = HtmlReport.RenderRun([ReportSamples.Failing()], "testbed run x.yaml");
        var charts = Charts(html);

        Assert.Equal(["chart-goodput-0", "chart-latency-0"], charts.Select(c => (string?)c.Attribute("id")));
        foreach (var chart in charts)
        {
            var labels = chart.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToArray();
            Assert.Contains("fault drop", labels);
            Assert.Contains("fault kill", labels);
            Assert.Contains("attack replay (S 7 · D 0)", labels);
            Assert.Contains("attack spoof (S 0 · D 12)", labels);
            Assert.Contains("kill silo 1", labels);
            Assert.Contains("detections (3)", labels);
            Assert.Contains(chart.Descendants(), e => e.Name.LocalName == "polyline" && ((string?)e.Attribute("points") ?? "").Split(' ').Length >= 5);
        }

        var goodput = charts[0].Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToArray();
        Assert.Contains("ok/s", goodput);
        Assert.Contains("fail/s", goodput);
        Assert.Contains("p99", charts[1].Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value));
    }

    [Fact]
    public void Ids_are_unique_across_the_whole_document()
    {
        var html = HtmlReport.RenderRun(Suite(), Command);
        var ids = Regex.Matches(html, @"\bid=""([^""]+)""").Select(m => m.Groups[1].Value).ToArray();

        Assert.Equal(6, Charts(html).Count); // two per scenario that ran; none for the crashed one
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(Regex.Matches(html, @"url\(#([^)]+)\)").Select(m => m.Groups[1].Value), id => Assert.Contains(id, ids));
    }

    [Fact]
    public void Header_verdicts_expectations_invariants_and_crash_are_shown()
    {
        var html = HtmlReport.RenderRun(Suite(), Command);

        Assert.Contains($"<pre class=\"command\"><code>{Command}</code></pre>", html);
        Assert.Contains("2 of 4 scenarios passed", html);
        Assert.Contains($"{Environment.ProcessorCount} cores", html);
        Assert.Contains("replay-none 42, replay-signed 42, spoof-tls 7, crashed 42", html); // seeds
        Assert.Matches(@"<tr class=""fail""><td>invariant at-most-once</td><td><span class=""badge fail"">FAILED</span>", html);
        Assert.Matches(@"<tr class=""pass""><td>minGoodput</td>", html);
        Assert.Matches(@"<tr class=""fail""><td>at-most-once</td><td>each order applied once</td><td><span class=""badge fail"">VIOLATED</span>", html);
        Assert.Contains("<code>testbed run /scenarios/suite/replay-none.yaml</code>", html);
        Assert.Contains("The run did not complete:</strong> SiloUnavailableException: the cluster did not start", html);
        Assert.Contains("No timeline: the workload did not run.", html);
        Assert.Contains("<td>kill silo 1 @2.5 s, start replacement @3 s</td>", html);
        Assert.Contains("id=\"only-failed\"", html);
        Assert.Contains("data-rendered=\"no\"", html);
    }

    [Fact]
    public void Slow_hooks_are_shown_under_their_attack_and_fault_and_written_to_result_json()
    {
        var result = ReportSamples.Failing();
        var html = HtmlReport.RenderRun([result], Command);

        Assert.Contains("<div class=\"slow-hooks\">slow hooks (&gt; 5 ms): observe 12&#215; (worst 23.4 ms), intercept 1&#215; (worst 6.1 ms)</div>", html);
        Assert.Contains("<div class=\"slow-hooks\">slow hooks (&gt; 5 ms): act 2&#215; (worst 40 ms)</div>", html);
        Assert.Equal(2, Regex.Matches(html, "<div class=\"slow-hooks\">").Count); // replay and kill had none

        var written = ResultWriter.Write(result, _dir);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(written, "result.json")));
        var (attacks, faults) = (json.RootElement.GetProperty("attacks"), json.RootElement.GetProperty("faults"));
        Assert.Equal(0, attacks[0].GetProperty("slowHooks").GetArrayLength());
        Assert.Equal("{\"hook\":\"intercept\",\"count\":1,\"worstMs\":6.125}", Compact(attacks[1].GetProperty("slowHooks")[1]));
        Assert.Equal("{\"hook\":\"act\",\"count\":2,\"worstMs\":40}", Compact(faults[0].GetProperty("slowHooks")[0]));
        Assert.Equal(0, faults[1].GetProperty("slowHooks").GetArrayLength());

        static string Compact(System.Text.Json.JsonElement e) => System.Text.Json.JsonSerializer.Serialize(e);
    }

    [Fact]
    public void Bench_report_charts_cost_per_preset_and_payload_and_lists_every_cell()
    {
        var path = HtmlReport.WriteBench(ReportSamples.Bench(), _dir);
        var html = File.ReadAllText(path);
        var charts = Charts(html);

        Assert.Equal(4, charts.Count);
        var legend = charts[0].Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToArray();
        Assert.Contains("none / plain", legend);
        Assert.Contains("none / orleans-tls", legend);
        Assert.Contains("tls-like / plain", legend);
        Assert.Contains("1 KiB", legend); // payload axis
        Assert.Contains("0 B", legend);
        Assert.Equal(6, Regex.Matches(Regex.Match(html, @"<table class=""bench"">(.*?)</table>", RegexOptions.Singleline).Value, "<tr>").Count - 1);
        Assert.DoesNotContain(ReportSamples.Hostile, html);
        Assert.Contains("<li>note with &lt;script&gt;", html);
        Assert.Contains("testbed bench presets --payload 0 --payload 1024 --rounds 3", html);
        Assert.Contains("0.64 <span class=\"muted\">(0.61–0.67)</span>", html);
    }

    [Fact]
    public void Command_is_quoted_as_a_shell_would_need()
    {
        Assert.Equal("testbed suite scenarios/faults --out /tmp/r --quiet", ReportCommand.Testbed(["suite", "scenarios/faults", "--out", "/tmp/r", "--quiet"]));
        Assert.Equal("testbed run 'my scenario.yaml' --out 'it'\\''s' ''", ReportCommand.Testbed(["run", "my scenario.yaml", "--out", "it's", ""]));
    }

    /// <summary>Every chart, parsed as XML (so each is well-formed on its own).</summary>
    private static List<XElement> Charts(string html) =>
        SvgElement().Matches(html).Select(m => XElement.Parse(m.Value)).ToList();

    [GeneratedRegex(@"<svg class=""chart"".*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgElement();
}
