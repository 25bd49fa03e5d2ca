using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Faults;

/// <summary>Fault entries in scenario files, read with the real catalog.</summary>
public sealed class FaultScenarioLoadingTests
{
    private static string Yaml(params string[] lines) => string.Join('\n', ["name: x", "seed: 1", "cluster: {silos: 3}", .. lines]) + "\n";

    private static Scenario Parse(string yaml) => ScenarioLoader.Parse(yaml, "f.yaml", TestbedCatalog.Default);

    private static ScenarioError Error(string yaml) => Assert.Single(Assert.Throws<ScenarioException>(() => Parse(yaml)).Errors);

    [Fact]
    public void Lists_and_lists_of_lists_become_option_text()
    {
        var scenario = Parse(Yaml(
            "faults:",
            "  - {kind: drop, start: 1s, stop: 2s, probability: 0.1, targets: [payments, account/3]}",
            "  - {kind: partition, start: 2s, stop: 3s, sides: [[silo:0], [silo:1, silo:2]]}"));

        Assert.Equal("payments, account/3", scenario.Faults[0].Options["targets"]);
        Assert.Equal("silo:0 | silo:1, silo:2", scenario.Faults[1].Options["sides"]);
    }

    [Fact]
    public void A_node_fault_on_silo_0_is_refused_at_its_silo_key()
    {
        var error = Error(Yaml("faults:", "  - {kind: kill, start: 1s, stop: 2s, silo: 0}"));

        Assert.Equal((5, 39), (error.Line, error.Column)); // at "silo"
        Assert.Contains("faults[0] (kill)", error.Message);
        Assert.Contains("never touch", error.Message);
    }

    [Fact]
    public void A_silo_position_beyond_the_cluster_is_refused()
    {
        var error = Error(Yaml("faults:", "  - {kind: partition, start: 1s, stop: 2s, sides: [[silo:0], [silo:3]]}"));
        Assert.Contains("silo:3", error.Message);
        Assert.Contains("3 silos", error.Message);
    }

    [Fact]
    public void An_unknown_fault_option_is_named()
    {
        var error = Error(Yaml("faults:", "  - {kind: delay, start: 1s, stop: 2s, latancy: 5ms}"));
        Assert.Contains("'latancy'", error.Message);
        Assert.Contains("latency", error.Message);
    }

    [Fact]
    public void A_mapping_as_an_option_value_is_refused_with_its_position()
    {
        var error = Error(Yaml("faults:", "  - kind: drop", "    start: 1s", "    stop: 2s", "    targets: {a: b}"));
        Assert.Equal((8, 14), (error.Line, error.Column));
        Assert.Contains("lists of scalars", error.Message);
    }

    [Fact]
    public void The_response_timeout_is_read_and_bounded()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), ScenarioLoader.Parse("name: x\nseed: 1\ncluster: {silos: 2, responseTimeout: 2s}\n", "f.yaml", TestbedCatalog.Default).Cluster.ResponseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), ScenarioLoader.Parse("name: x\nseed: 1\n", "f.yaml", TestbedCatalog.Default).Cluster.ResponseTimeout);

        var error = Assert.Single(Assert.Throws<ScenarioException>(() =>
            ScenarioLoader.Parse("name: x\nseed: 1\ncluster: {responseTimeout: 50ms}\n", "f.yaml", TestbedCatalog.Default)).Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("cluster.responseTimeout", error.Message);
    }

    [Fact]
    public void Every_fault_kind_is_known_to_the_default_catalog()
    {
        Assert.Equal(
            ["clock-skew", "corrupt", "delay", "drop", "duplicate", "kill", "partition", "pause", "reorder", "restart", "stop"],
            TestbedCatalog.Default.FaultKinds);
    }
}
