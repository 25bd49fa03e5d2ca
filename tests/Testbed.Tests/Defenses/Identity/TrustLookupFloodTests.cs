using Microsoft.Extensions.DependencyInjection;
using Testbed.Defenses.Identity;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Defenses.Identity;

/// <summary>
/// The flood attack with a random key version in every frame (<c>keyVersion: random</c>) against <c>signed</c>: how many
/// certificate lookups the forged frames cost the cluster's one CA, counted in every silo's trust store.
/// </summary>
public sealed class TrustLookupFloodTests
{
    [Fact]
    public async Task A_flood_of_random_key_versions_costs_the_CA_a_bounded_number_of_lookups()
    {
        const string yaml = "name: unknown-versions\nseed: 31\ncluster:\n  silos: 2\n" +
            "workload: {mode: open, rate: 100, accounts: 8, customers: 8, duration: 3s}\ndefenses: [signed]\n" +
            "attacks:\n  - {kind: flood, start: 1s, stop: 2s, rate: 1000, target: account, payload: junk, keyVersion: random}\n" +
            "expect:\n  invariants: all\n";
        var stores = new List<TrustStore>();
        var result = await ScenarioRunner.RunAsync(ScenarioLoader.Parse(yaml, "unknown-versions.yaml", TestbedCatalog.Default), new RunOptions
        {
            OnClusterStarted = cluster => stores.AddRange(cluster.SiloNames.Select((_, i) => cluster.SiloServices(i).GetRequiredService<TrustStore>())),
        });

        var flood = Assert.Single(result.Attacks);
        Assert.Empty(flood.Errors);
        var lookups = stores.Sum(s => s.CertificateLookups);
        var unknown = result.SecurityEvents.ByLayer["sign"].GetValueOrDefault("unknown-key");
        Assert.True(flood.Attempts >= 500, $"{flood.Attempts} frames injected");
        Assert.True(unknown >= flood.Attempts * 0.9, $"{unknown} of {flood.Attempts} refused as unknown-key");
        // The legitimate principals' keys (at most 18 principals × 2 silos), and for the one claimed sender at most one
        // lookup per silo per revocation poll (250 ms) over the 3 s run. Before the bound: 1022–1028 lookups for 987–993
        // forged frames (three runs), one per frame; with it 41–43 for 803–1001.
        Assert.True(lookups <= 36 + 2 * 12, $"{lookups} CA lookups for {flood.Attempts} forged frames");
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name));
    }
}
