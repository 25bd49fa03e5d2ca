using Testbed.Attacks.Api;
using Testbed.Checking;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Attacks;

/// <summary>The spoof attack on a real cluster: forged orders get through only where nothing authenticates the sender.</summary>
public sealed class SpoofAttackTests
{
    private static Scenario Scenario(string name, string defenses, string spoofOptions = "") => ScenarioLoader.Parse(
        $"name: {name}\nseed: 7\ncluster:\n  silos: 2\nworkload:\n  accounts: 8\n  duration: 1s\n  concurrency: 4\n" +
        $"defenses: [{defenses}]\nattacks:\n  - {{kind: spoof, start: 0s, stop: 60s, count: 12, interval: 20ms{spoofOptions}}}\n",
        $"{name}.yaml", TestbedCatalog.Default);

    private static async Task<(ScenarioResult Result, AttackResult Spoof)> RunAsync(string name, string defenses, string spoofOptions = "")
    {
        var result = await ScenarioRunner.RunAsync(Scenario(name, defenses, spoofOptions));
        Assert.Null(result.Error);
        var spoof = Assert.Single(result.Attacks);
        Assert.Empty(spoof.Errors);
        Assert.True(spoof.Attempts > 0, "the attack made no attempt");
        return (result, spoof);
    }

    private static bool Holds(ScenarioResult result, string invariant) => result.Invariants.Single(i => i.Name == invariant).Holds;

    [Fact]
    public async Task Without_defenses_forged_orders_with_sniffed_credentials_are_applied()
    {
        var (result, spoof) = await RunAsync("spoof-none", "none");

        Assert.Equal("CAPEC-151", spoof.Capec);
        Assert.True(spoof.Succeeded > 0, $"succeeded {spoof.Succeeded} of {spoof.Attempts}");
        Assert.Equal(spoof.Succeeded, spoof.Details["forgedTransfersApplied"]);
        Assert.True(spoof.Details["credentialsLearned"] > 0);
        Assert.Equal(0, spoof.Detected);
        Assert.All(Assert.Single(result.Invariants, i => i.Name == Invariants.OwnerAuthorized && !i.Holds).Counterexamples,
            c => Assert.StartsWith("order spoof-", c, StringComparison.Ordinal));
        Assert.True(Holds(result, Invariants.MoneyConserved));
    }

    [Fact]
    public async Task A_named_victim_is_the_only_customer_impersonated()
    {
        var (result, spoof) = await RunAsync("spoof-victim", "none", ", victim: 3");

        Assert.True(spoof.Succeeded > 0, $"succeeded {spoof.Succeeded} of {spoof.Attempts}");
        Assert.All(Assert.Single(result.Invariants, i => i.Name == Invariants.OwnerAuthorized && !i.Holds).Counterexamples,
            c => Assert.Contains("ordered by customer/3)", c, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("signed", "", "sign")]
    [InlineData("signed", ", mode: own-key", "sign")]
    [InlineData("tls-like", "", "session")]
    public async Task Where_the_sender_is_authenticated_forged_orders_are_detected_and_none_applied(string preset, string options, string layer)
    {
        var (result, spoof) = await RunAsync($"spoof-{preset}", preset, options);

        Assert.Equal(0, spoof.Succeeded);
        Assert.Equal(0, spoof.Details["forgedTransfersApplied"]);
        Assert.True(spoof.Detected > 0, $"detected {spoof.Detected} of {spoof.Attempts}; events {result.SecurityEvents.Total}");
        Assert.True(result.SecurityEvents.ByLayer.ContainsKey(layer), string.Join(", ", result.SecurityEvents.ByLayer.Keys));
        Assert.True(Holds(result, Invariants.OwnerAuthorized));
    }

    [Theory]
    [InlineData("mode: forge", "option 'mode' must be one of unsigned, own-key, found 'forge'")]
    [InlineData("count: 0", "option 'count' must be an integer in 1..100000")]
    [InlineData("interval: soon", "option 'interval' must be a duration")]
    [InlineData("victim: -2", "option 'victim' must be an integer")]
    [InlineData("shards: 0", "option 'shards' must be an integer in 1..1024")]
    [InlineData("victm: 3", "unknown option 'victm'")]
    public void Bad_options_are_rejected_by_the_loader_at_their_key(string option, string fragment)
    {
        var yaml = $"name: x\nseed: 1\nattacks:\n  - {{kind: spoof, start: 0s, stop: 1s, {option}}}\n";

        var error = Assert.Single(Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(yaml, "bad.yaml", TestbedCatalog.Default)).Errors);

        Assert.Equal(("bad.yaml", 4, 40), (error.File, error.Line, error.Column)); // at the option's key
        Assert.Contains("attacks[0] (spoof)", error.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }
}
