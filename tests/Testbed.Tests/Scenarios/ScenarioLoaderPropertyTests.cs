using CsCheck;
using Testbed.Scenarios;
using Xunit;
using static Testbed.Tests.Scenarios.ScenarioTestSupport;

namespace Testbed.Tests.Scenarios;

public class ScenarioLoaderPropertyTests
{
    private static readonly string Valid = Yaml(
        "name: fuzz-base",
        "seed: 7",
        "cluster: {silos: 2}",
        "workload:",
        "  accounts: 30",
        "  mode: open",
        "  rate: 50",
        "defenses: [rate-limit]",
        "faults:",
        "  - kind: latency",
        "    start: 1s",
        "    stop: 2s",
        "    delay: 20ms",
        "expect:",
        "  invariants: all",
        "  maxP99Ms: 100");

    [Fact]
    public void Silos_are_accepted_exactly_in_range_1_to_8()
    {
        Gen.Int.Sample(silos =>
        {
            var yaml = Yaml("name: x", "seed: 1", "cluster:", $"  silos: {silos}");
            if (silos is >= 1 and <= 8)
            {
                return Parse(yaml).Cluster.Silos == silos;
            }

            var error = Assert.Single(Errors(yaml));
            return error is { Line: 4, Column: 10 } && error.Message.Contains("must be in range 1..8", StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Mangled_files_either_parse_or_fail_with_positioned_scenario_errors()
    {
        Assert.Equal("fuzz-base", Parse(Valid).Name);
        var edits = Gen.Select(Gen.Int[0, Valid.Length], Gen.Int[0, 40], Gen.String[Gen.Char["a-z0-9 :-[]{},'\"\n\r\t#&*!|>?%@`~.\\\u00e9\u2028\ufeff"], 0, 12]);
        edits.Sample((at, cut, insert) =>
        {
            var end = Math.Min(Valid.Length, at + cut);
            var text = Valid[..at] + insert + Valid[end..];
            var lineCount = text.Count(c => c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029') + 1; // YAML's line breaks
            try
            {
                ScenarioLoader.Parse(text, "fuzz.yaml", Catalog);
                return true;
            }
            catch (ScenarioException e)
            {
                return e.Errors.Count > 0
                    && e.Errors.All(err => err.File == "fuzz.yaml" && err.Line >= 1 && err.Line <= lineCount + 1 && err.Column >= 1);
            }
        }, iter: 3000);
    }
}
