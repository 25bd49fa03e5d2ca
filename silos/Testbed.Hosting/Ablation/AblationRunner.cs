using System.Diagnostics;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;

namespace Testbed.Hosting.Ablation;

/// <summary>One run of an ablation: a scenario with every layer (<see cref="Removal"/> null) or with one removed.</summary>
/// <param name="Scenario">The scenario as run: its seed and everything but the defenses unchanged.</param>
/// <param name="Index">0-based position among all the ablation's runs.</param>
/// <param name="Total">How many runs the ablation makes.</param>
/// <param name="WarmUp">A run before the measured ones (JIT, first cluster start), discarded: without it the first
/// baseline would run cold and every layer would look dearer in that scenario.</param>
public sealed record AblationRun(AblationGroup Group, Scenario Scenario, LayerRemoval? Removal, int Index, int Total, bool WarmUp = false)
{
    /// <summary><c>warm-up</c>, <c>baseline</c> or <c>without-&lt;layer&gt;</c>: the run's label and results folder.</summary>
    public string Label => WarmUp ? "warm-up" : Removal?.RunLabel ?? "baseline";
}

/// <summary>
/// Runs an ablation: first a discarded warm-up run (the first scenario with every layer), then per scenario its baseline
/// (every layer) and one run per removal, back to back so that the runs compared share the machine's state as far as
/// possible; then compares them (<see cref="AblationComparison"/>).
/// </summary>
public static class AblationRunner
{
    /// <summary>How many runs <paramref name="groups"/> take: per scenario, one plus one per removal.</summary>
    public static int CountRuns(IReadOnlyList<AblationGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return groups.Sum(g => g.Scenarios.Count * (1 + g.Removals.Count));
    }

    /// <summary>
    /// Runs every group through <paramref name="run"/> (which runs one scenario — e.g. <see cref="ScenarioRunner.RunAsync"/>
    /// with progress — and may write its results) and returns the comparison.
    /// </summary>
    public static async Task<AblationReport> RunAsync(IReadOnlyList<AblationGroup> groups, IReadOnlyList<string> skipped, string suite, string command,
        Func<AblationRun, CancellationToken, Task<ScenarioResult>> run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(run);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var total = CountRuns(groups);
        var index = 0;
        var results = new List<AblationGroupResult>();
        if (groups.FirstOrDefault(g => g.Scenarios.Count > 0) is { } firstGroup)
        {
            await run(new AblationRun(firstGroup, firstGroup.Scenarios[0], null, -1, total, WarmUp: true), cancellationToken);
        }

        foreach (var group in groups)
        {
            var scenarios = new List<ScenarioRuns>();
            foreach (var scenario in group.Scenarios)
            {
                var baseline = await run(new AblationRun(group, scenario, null, index++, total), cancellationToken);
                var without = new Dictionary<string, ScenarioResult>(StringComparer.Ordinal);
                foreach (var removal in group.Removals)
                {
                    without[removal.Layer] = await run(new AblationRun(group, removal.Apply(scenario), removal, index++, total), cancellationToken);
                }

                scenarios.Add(new ScenarioRuns(baseline, scenario.Workload.Mode == LoadMode.Closed, without));
            }

            results.Add(AblationComparison.Compare(group.Label, group.Preset, group.Layers, group.Removals, scenarios));
        }

        return new AblationReport
        {
            Suite = suite,
            Command = command,
            StartedAt = started,
            DurationMs = clock.Elapsed.TotalMilliseconds,
            Runs = total,
            Skipped = skipped,
            Groups = results,
            Layers = AblationComparison.Summarize(results),
        };
    }
}
