using System.Globalization;
using System.Xml.Linq;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;
using Xunit;

namespace Testbed.Tests.Reports;

/// <summary>junit.xml: valid XML, one test suite per scenario, one test case per expectation, failures and errors.</summary>
public sealed class JUnitWriterTests : IDisposable
{
    private const string Command = "testbed suite scenarios/suite";
    private readonly string _dir = Directory.CreateTempSubdirectory("testbed-junit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void One_suite_per_scenario_one_case_per_expectation_with_failures_and_errors()
    {
        var results = new[] { ReportSamples.Failing("replay-none"), ReportSamples.Passing("replay-signed", "signed"), ReportSamples.Crashed("crashed") };
        var path = JUnitWriter.Write(results, Command, _dir);
        var root = XDocument.Load(path).Root!;

        Assert.Equal(Path.Combine(_dir, "junit.xml"), path);
        Assert.Equal("testsuites", root.Name.LocalName);
        Assert.Equal(6, (int)root.Attribute("tests")!);
        Assert.Equal(1, (int)root.Attribute("failures")!);
        Assert.Equal(1, (int)root.Attribute("errors")!);
        var suites = root.Elements("testsuite").ToDictionary(s => (string)s.Attribute("name")!);
        Assert.Equal(["replay-none", "replay-signed", "crashed"], suites.Keys);

        var failing = suites["replay-none"];
        Assert.Equal(4.5, double.Parse((string)failing.Attribute("time")!, CultureInfo.InvariantCulture));
        Assert.Equal("2025-01-02T03:04:05", (string)failing.Attribute("timestamp")!);
        Assert.Equal("42", Property(failing, "seed"));
        Assert.Equal(Command, Property(failing, "command"));
        Assert.Equal("testbed run /scenarios/suite/replay-none.yaml", Property(failing, "reproduce"));
        var cases = failing.Elements("testcase").ToArray();
        Assert.Equal(["invariant money-conserved", "invariant at-most-once", "minGoodput"], cases.Select(c => (string)c.Attribute("name")!));
        Assert.All(cases, c => Assert.Equal("testbed.replay-none", (string)c.Attribute("classname")!));
        var failure = Assert.Single(cases, c => c.Element("failure") is not null).Element("failure")!;
        Assert.Equal("order o-1-7 debited twice " + ReportSamples.Hostile, (string)failure.Attribute("message")!);
        Assert.Contains("invariant at-most-once: order o-1-7", failure.Value);
        Assert.Contains("invariant at-most-once violated: order o-1-7 debited twice", failing.Element("system-out")!.Value);

        Assert.Equal(0, (int)suites["replay-signed"].Attribute("failures")! + (int)suites["replay-signed"].Attribute("errors")!);
        var error = Assert.Single(suites["crashed"].Elements("testcase")).Element("error")!;
        Assert.Equal("SiloUnavailableException: the cluster did not start", (string)error.Attribute("message")!);
        Assert.Null(suites["crashed"].Element("testcase")!.Element("failure"));
    }

    [Fact]
    public void Characters_xml_cannot_carry_are_replaced_and_a_scenario_without_expectations_still_shows()
    {
        var corrupted = ReportSamples.Failing("corrupt") with
        {
            Expectations = [new ExpectationResult("invariant money-conserved", false, "flipped \u0001\u0007 bits \uD800 here")],
        };
        var empty = ReportSamples.Passing("empty", "none") with { Expectations = [] };
        var root = XDocument.Parse(JUnitWriter.Document([corrupted, empty], Command).ToString()).Root!;

        var message = (string)root.Descendants("failure").Single().Attribute("message")!;
        Assert.Equal("flipped \uFFFD\uFFFD bits \uFFFD here", message);
        var run = root.Elements("testsuite").Last().Elements("testcase").Single();
        Assert.Equal("run", (string)run.Attribute("name")!);
        Assert.False(run.HasElements);
    }

    private static string? Property(XElement suite, string name) =>
        (string?)suite.Element("properties")!.Elements("property").Single(p => (string)p.Attribute("name")! == name).Attribute("value");
}
