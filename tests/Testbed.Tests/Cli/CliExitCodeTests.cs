using System.Text.Json;
using Testbed.Cli;
using Xunit;

namespace Testbed.Tests.Cli;

/// <summary>The CLI's contract: exit 0 when expectations hold, 1 when one fails, 2 on bad input with a positioned error.</summary>
public sealed class CliExitCodeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("testbed-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static async Task<(int Code, string Error)> Run(params string[] args)
    {
        var error = new StringWriter();
        var code = await TestbedCli.RunAsync(args, error);
        return (code, error.ToString());
    }

    [Fact]
    public async Task Broken_scenario_exits_2_with_file_line_column()
    {
        var path = Write("broken.yaml", "name: broken\nseed: 1\ncluster:\n  silos: two\n");
        var (code, error) = await Run("run", path, "--out", Path.Combine(_dir, "out"), "--quiet");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{path}:4:10:", error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out", "broken")));
    }

    [Fact]
    public async Task Missing_file_and_bad_arguments_exit_2()
    {
        Assert.Equal(ExitCodes.BadInput, (await Run("run", Path.Combine(_dir, "nope.yaml"), "--quiet")).Code);
        Assert.Equal(ExitCodes.BadInput, (await Run("suite", Path.Combine(_dir, "no-such-folder"))).Code);
        Assert.Equal(ExitCodes.BadInput, (await Run("run")).Code);
        Assert.Equal(ExitCodes.BadInput, (await Run("run", "x.yaml", "--no-such-flag")).Code);
        Assert.Equal(ExitCodes.BadInput, (await Run("launch")).Code);
        Assert.Equal(ExitCodes.BadInput, (await Run("bench", "wire", "--calls", "0")).Code);
    }

    [Theory]
    [InlineData("--operations", "abc")]
    [InlineData("--payloads", "99999999999")]
    [InlineData("--repetitions", "abc")]
    public async Task Malformed_bench_numbers_exit_2_naming_the_option(string option, string value)
    {
        var (code, error) = await Run("bench", option, value, "--out", Path.Combine(_dir, "out"));

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith($"testbed: {option}: ", error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public async Task Suite_with_two_scenarios_of_one_name_exits_2()
    {
        var suite = Directory.CreateDirectory(Path.Combine(_dir, "dup")).FullName;
        File.WriteAllText(Path.Combine(suite, "a.yaml"), "name: same\nseed: 1\n");
        File.WriteAllText(Path.Combine(suite, "b.yaml"), "name: same\nseed: 2\n");
        var (code, error) = await Run("suite", suite, "--quiet");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("'same'", error);
    }

    [Fact]
    public async Task Passing_run_exits_0_and_unmet_expectation_exits_1_both_writing_results()
    {
        var workload = "workload:\n  accounts: 4\n  operations: 40\n  concurrency: 2\n";
        var ok = Write("ok.yaml", "name: cli-ok\nseed: 5\n" + workload);
        var slow = Write("slow.yaml", "name: cli-slow\nseed: 5\n" + workload + "expect:\n  minGoodput: 100000000\n");
        var outDir = Path.Combine(_dir, "results");

        Assert.Equal(ExitCodes.Passed, (await Run("run", ok, "--out", outDir, "--quiet")).Code);
        Assert.Equal(ExitCodes.ExpectationFailed, (await Run("run", slow, "--out", outDir, "--quiet")).Code);

        using var passed = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "cli-ok", "result.json")));
        using var failed = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "cli-slow", "result.json")));
        Assert.True(passed.RootElement.GetProperty("passed").GetBoolean());
        Assert.False(failed.RootElement.GetProperty("passed").GetBoolean());
        Assert.Contains(failed.RootElement.GetProperty("expectations").EnumerateArray(),
            e => e.GetProperty("name").GetString() == "minGoodput" && !e.GetProperty("passed").GetBoolean());
        Assert.True(File.Exists(Path.Combine(outDir, "cli-slow", "history.jsonl")));
    }

    [Fact]
    public async Task Failing_suite_writes_the_report_and_junit_with_the_command_to_reproduce()
    {
        var suite = Directory.CreateDirectory(Path.Combine(_dir, "my suite")).FullName;
        var workload = "workload:\n  accounts: 4\n  operations: 40\n  concurrency: 2\n";
        File.WriteAllText(Path.Combine(suite, "a.yaml"), "name: cli-a\nseed: 5\n" + workload);
        File.WriteAllText(Path.Combine(suite, "b.yaml"), "name: cli-b\nseed: 6\n" + workload + "expect:\n  minGoodput: 100000000\n");
        var outDir = Path.Combine(_dir, "out");

        Assert.Equal(ExitCodes.ExpectationFailed, (await Run("suite", suite, "--out", outDir, "--quiet")).Code);

        var html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains($"<code>{System.Net.WebUtility.HtmlEncode($"testbed suite '{suite}' --out {outDir} --quiet")}</code>", html);
        Assert.Contains("1 of 2 scenarios passed", html);
        Assert.Contains("id=\"chart-goodput-1\"", html);
        var junit = System.Xml.Linq.XDocument.Load(Path.Combine(outDir, "junit.xml")).Root!;
        Assert.Equal(["cli-a", "cli-b"], junit.Elements("testsuite").Select(s => (string)s.Attribute("name")!));
        var failed = Assert.Single(junit.Descendants("testcase"), c => c.Element("failure") is not null);
        Assert.Equal(("testbed.cli-b", "minGoodput"), ((string)failed.Attribute("classname")!, (string)failed.Attribute("name")!));
    }
}
