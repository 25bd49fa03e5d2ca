using Testbed.Scenarios;
using Xunit;
using static Testbed.Tests.Scenarios.ScenarioTestSupport;

namespace Testbed.Tests.Scenarios;

/// <summary><c>expect.attacks.&lt;kind&gt;.details</c>: conditions on the figures an attack reports, beside its verdict counts.</summary>
public sealed class DetailExpectationTests
{
    [Fact]
    public void Details_become_expectations_on_the_named_figures_in_file_order()
    {
        var scenario = Parse(Yaml("name: x", "seed: 1", "expect:", "  attacks:",
            "    replay: {succeeded: \"0\", details: {recordedBefore: \">0\", readableBefore: \"0\"}}"));

        Assert.Equal(
            [("succeeded", null, "0"), ("details.recordedBefore", "recordedBefore", ">0"), ("details.readableBefore", "readableBefore", "0")],
            scenario.Expect.Attacks.Select(a => (a.Measure, a.Detail, a.Condition)).ToArray());
        Assert.All(scenario.Expect.Attacks, a => Assert.Equal("replay", a.Kind));
    }

    [Fact]
    public void A_fractional_detail_is_compared_as_it_is()
    {
        var expectation = new AttackExpectation("replay", "details.latencyMs", CountComparison.Less, 5, 1, 1);

        Assert.True(expectation.Holds(4.9));
        Assert.False(expectation.Holds(5.0));
        Assert.False(expectation.Holds(5.1));
    }

    [Theory]
    [InlineData("details: 5", 5, 23, "expect.attacks.replay.details: expected a mapping of reported details")]
    [InlineData("details: {read-able: \"0\"}", 5, 24, "'read-able' is not a detail name")]
    [InlineData("details: {readable: lots}", 5, 34, "expect.attacks.replay.details.readable: expected a count condition", "'lots'")]
    public void A_bad_details_entry_is_a_positioned_error(string entry, int line, int column, params string[] fragments)
    {
        SingleError(Yaml("name: x", "seed: 1", "expect:", "  attacks:", $"    replay: {{{entry}}}"), line, column, fragments);
    }

    [Fact]
    public void Details_are_no_fault_measure()
    {
        SingleError(Yaml("name: x", "seed: 1", "expect:", "  faults:", "    latency: {details: {a: \"0\"}}"), 5, 15, "unknown key 'details'");
    }
}
