using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Testbed.Hosting.Runs;

namespace Testbed.Hosting.Reports;

/// <summary>
/// Writes <c>junit.xml</c> so CI systems show a suite's outcome natively: one <c>&lt;testsuite&gt;</c> per scenario
/// (properties: seed, source, preset, command), one <c>&lt;testcase&gt;</c> per expectation (classname
/// <c>testbed.&lt;scenario&gt;</c>) with a <c>&lt;failure&gt;</c> carrying the detail when it failed, and an
/// <c>&lt;error&gt;</c> when the run crashed. A scenario without expectations still gets one test case, <c>run</c>.
/// The suite's time is the workload's wall time; expectations are judged, not timed, so each test case has time 0.
/// </summary>
public static class JUnitWriter
{
    /// <summary>The file name inside the results folder.</summary>
    public const string FileName = "junit.xml";

    /// <summary>Writes the results to <c><paramref name="outDir"/>/junit.xml</c>; returns its path.</summary>
    public static string Write(IReadOnlyList<ScenarioResult> results, string command, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, FileName);
        var temp = path + ".tmp";
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
        using (var writer = XmlWriter.Create(temp, settings))
        {
            Document(results, command).Save(writer);
        }

        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>The JUnit document of <paramref name="results"/>.</summary>
    public static XDocument Document(IReadOnlyList<ScenarioResult> results, string command)
    {
        var suites = results.Select(r => Suite(r, command)).ToArray();
        var root = new XElement("testsuites",
            new XAttribute("name", "testbed"),
            new XAttribute("tests", suites.Sum(s => (int)s.Attribute("tests")!)),
            new XAttribute("failures", suites.Sum(s => (int)s.Attribute("failures")!)),
            new XAttribute("errors", suites.Sum(s => (int)s.Attribute("errors")!)),
            new XAttribute("time", Seconds(results.Sum(r => r.DurationMs))),
            suites);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    private static XElement Suite(ScenarioResult r, string command)
    {
        var classname = $"testbed.{r.Name}";
        var cases = new List<XElement>();
        foreach (var e in r.Expectations)
        {
            var testcase = Case(classname, e.Name);
            if (!e.Passed)
            {
                testcase.Add(r.Error is not null
                    ? Problem("error", r.Error, "crash", e.Detail)
                    : Problem("failure", e.Detail, "expectation", $"{e.Name}: {e.Detail}"));
            }

            cases.Add(testcase);
        }

        if (cases.Count == 0)
        {
            var run = Case(classname, "run");
            if (r.Error is not null)
            {
                run.Add(Problem("error", r.Error, "crash", r.Error));
            }
            else if (!r.Passed)
            {
                run.Add(Problem("failure", "the scenario failed", "expectation", "the scenario failed without a failed expectation"));
            }

            cases.Add(run);
        }

        return new XElement("testsuite",
            new XAttribute("name", r.Name),
            new XAttribute("tests", cases.Count),
            new XAttribute("failures", cases.Count(c => c.Element("failure") is not null)),
            new XAttribute("errors", cases.Count(c => c.Element("error") is not null)),
            new XAttribute("skipped", 0),
            new XAttribute("time", Seconds(r.DurationMs)),
            new XAttribute("timestamp", r.StartedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)),
            new XElement("properties",
                Property("seed", r.Seed.ToString(CultureInfo.InvariantCulture)),
                Property("source", r.Source),
                Property("preset", AttackMatrix.ColumnOf(r)),
                Property("defenses", string.Join(",", r.Defenses)),
                Property("command", command),
                Property("reproduce", ReportCommand.Testbed(["run", r.Source]))),
            cases,
            new XElement("system-out", Clean(Summary(r))));
    }

    private static XElement Case(string classname, string name) =>
        new("testcase", new XAttribute("classname", Clean(classname)), new XAttribute("name", Clean(name)), new XAttribute("time", "0"));

    private static XElement Problem(string element, string message, string type, string text) =>
        new(element, new XAttribute("message", Clean(message)), new XAttribute("type", type), Clean(text));

    private static XElement Property(string name, string value) =>
        new("property", new XAttribute("name", name), new XAttribute("value", Clean(value)));

    private static string Summary(ScenarioResult r)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"seed {r.Seed}; {r.Operations.Invoked} operations ({r.Operations.Ok} ok, {r.Operations.Fail} fail, {r.Operations.Info} info); ")
            .Append(CultureInfo.InvariantCulture, $"goodput {r.GoodputPerSec:F1}/s; p99 {r.LatencyMs.P99:F2} ms\n");
        foreach (var i in r.Invariants.Where(i => !i.Holds))
        {
            text.Append(CultureInfo.InvariantCulture, $"invariant {i.Name} violated: {string.Join("; ", i.Counterexamples)}\n");
        }

        foreach (var a in r.Attacks)
        {
            text.Append(CultureInfo.InvariantCulture, $"attack {AttackMatrix.RowOf(a)}: {a.Attempts} attempts, S {a.Succeeded} D {a.Detected} B {a.Blocked} A {a.Absorbed}\n");
        }

        return text.ToString();
    }

    private static string Seconds(double ms) => (ms / 1000).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Drops characters XML 1.0 cannot carry (control characters from a corrupted message, lone surrogates).</summary>
    private static string Clean(string text)
    {
        if (text.All(XmlConvert.IsXmlChar))
        {
            return text;
        }

        var kept = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (XmlConvert.IsXmlChar(text[i]))
            {
                kept.Append(text[i]);
            }
            else if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i]))
            {
                kept.Append(text[i]).Append(text[i + 1]);
                i++;
            }
            else
            {
                kept.Append('\uFFFD');
            }
        }

        return kept.ToString();
    }
}
