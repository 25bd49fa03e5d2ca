using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Faults;

/// <summary>Clock skew reaches the defenses through each silo's service clock: measured in full runs.</summary>
public sealed class ClockSkewDefenseTests
{
    private static Task<ScenarioResult> Run(string skew) => ScenarioRunner.RunAsync(ScenarioLoader.Parse($$"""
        name: skew
        seed: 77
        cluster: {silos: 2}
        workload: {accounts: 8, operations: 400, concurrency: 4}
        defenses:
          - sign
          - {name: replay, mode: timestamp, window: 1s, tolerance: 500ms}
        faults:
          - {kind: clock-skew, start: 0s, stop: 60s, silo: 1, offset: {{skew}}}
        """, "skew.yaml", TestbedCatalog.Default));

    [Fact]
    public async Task A_skew_beyond_the_timestamp_window_is_rejected_by_the_replay_layer_as_stale_or_future()
    {
        var result = await Run("5s");

        var replay = Assert.Contains("replay", result.SecurityEvents.ByLayer);
        Assert.True(replay.GetValueOrDefault("replay-stale") + replay.GetValueOrDefault("replay-future") > 0,
            string.Join(", ", replay.Select(r => $"{r.Key} {r.Value}")));
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name));
        Assert.Equal(1, Assert.Single(result.Faults).Injected);
    }

    [Fact]
    public async Task A_skew_inside_the_tolerance_raises_no_alarm()
    {
        var result = await Run("-300ms");

        Assert.Equal(0, result.SecurityEvents.Total);
        Assert.All(result.Invariants, i => Assert.True(i.Holds, i.Name));
    }
}
