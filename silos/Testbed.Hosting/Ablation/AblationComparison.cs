using System.Globalization;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;

namespace Testbed.Hosting.Ablation;

/// <summary>One scenario's runs: with every layer, and with each layer removed (keyed by the removed layer).</summary>
/// <param name="ClosedLoop">The scenario's workload runs in the closed loop (its goodput measures capacity).</param>
public sealed record ScenarioRuns(ScenarioResult Baseline, bool ClosedLoop, IReadOnlyDictionary<string, ScenarioResult> Without);

/// <summary>
/// Compares a configuration's baseline runs with its ablated runs, cell by cell: each attack's verdicts, each invariant,
/// goodput, and the scenario's own verdict. Pure: no cluster, no clock — the runs are given.
/// </summary>
public static class AblationComparison
{
    /// <summary>A change in the share of attempts that succeeded at least this large counts even when both are non-zero.</summary>
    public const double SuccessShareShift = 0.25;

    /// <summary>
    /// What changed from <paramref name="with"/> (every layer) to <paramref name="without"/> (one removed); empty when
    /// nothing did. A change is: the worst outcome (S, D, B, A, none) differs (<c>D→S</c>); succeeded attempts appear or
    /// disappear, or their share moves by <see cref="SuccessShareShift"/> or more (<c>S 0→12</c>); detections appear or
    /// disappear (<c>D 10→0</c>); the rate limiter's containment appears or disappears (<c>contained 502ms→not</c>);
    /// the attack's own errors appear or disappear. Count noise that moves none of these (D 795→801) is no change.
    /// </summary>
    public static IReadOnlyList<string> Changes(VerdictCounts with, VerdictCounts without)
    {
        ArgumentNullException.ThrowIfNull(with);
        ArgumentNullException.ThrowIfNull(without);
        var changes = new List<string>();
        if (with.Outcome != without.Outcome)
        {
            changes.Add($"{with.Outcome}→{without.Outcome}");
        }

        if ((with.Succeeded == 0) != (without.Succeeded == 0) || Math.Abs(with.SuccessShare - without.SuccessShare) >= SuccessShareShift)
        {
            changes.Add(F($"S {with.Succeeded}→{without.Succeeded}"));
        }

        if ((with.Detected == 0) != (without.Detected == 0))
        {
            changes.Add(F($"D {with.Detected}→{without.Detected}"));
        }

        if ((with.ContainmentMs is null) != (without.ContainmentMs is null))
        {
            changes.Add(with.ContainmentMs is { } ms ? F($"contained {ms:0}ms→not") : F($"contained: not→{without.ContainmentMs:0}ms"));
        }

        if ((with.Errors == 0) != (without.Errors == 0))
        {
            changes.Add(F($"errors {with.Errors}→{without.Errors}"));
        }

        return changes;
    }

    /// <summary>The matrix of one configuration: a row per removal, a cell per attack row of the attack matrix.</summary>
    public static AblationGroupResult Compare(string label, string? preset, IReadOnlyList<string> layers, IReadOnlyList<LayerRemoval> removals,
        IReadOnlyList<ScenarioRuns> scenarios)
    {
        ArgumentNullException.ThrowIfNull(removals);
        ArgumentNullException.ThrowIfNull(scenarios);
        var attacks = scenarios.SelectMany(s => s.Baseline.Attacks.Select(AttackMatrix.RowOf)).Distinct().ToArray();
        var rows = removals.Select(removal => Row(removal, attacks, scenarios)).ToArray();
        var seeds = scenarios.Select(s => new AblationScenario(s.Baseline.Name, s.Baseline.Seed, s.Baseline.Passed, s.Baseline.Error)).ToArray();
        return new AblationGroupResult(label, preset, layers, seeds, attacks, rows);
    }

    /// <summary>Per layer name, over every configuration it was removed from: exercised when its removal changed a cell in any.</summary>
    public static IReadOnlyList<LayerSummary> Summarize(IReadOnlyList<AblationGroupResult> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return groups.SelectMany(g => g.Rows.Select(r => (Group: g.Label, Row: r)))
            .GroupBy(x => x.Row.Layer, StringComparer.Ordinal)
            .Select(g => new LayerSummary(g.Key, g.Any(x => x.Row.Exercised),
                g.Where(x => x.Row.Exercised).Select(x => x.Group).ToArray(), g.Where(x => !x.Row.Exercised).Select(x => x.Group).ToArray()))
            .ToArray();
    }

    private static AblationRow Row(LayerRemoval removal, IReadOnlyList<string> attacks, IReadOnlyList<ScenarioRuns> scenarios)
    {
        var pairs = scenarios.Select(s => (s.Baseline, Without: s.Without.GetValueOrDefault(removal.Layer), s.ClosedLoop)).ToArray();
        var completed = pairs.Where(p => p.Without is { Error: null }).Select(p => (p.Baseline, Without: p.Without!, p.ClosedLoop)).ToArray();
        var cells = attacks.Select(attack => Cell(attack, pairs.Select(p => (p.Baseline, p.Without)).ToArray())).ToArray();
        var invariants = completed.SelectMany(p => p.Baseline.Invariants.Join(p.Without.Invariants, i => i.Name, i => i.Name,
                (w, wo) => new InvariantChange(p.Baseline.Name, w.Name, w.Holds, wo.Holds)))
            .Where(c => c.HeldWith != c.HeldWithout)
            .ToArray();
        var failed = completed.Where(p => p.Baseline.Passed && !p.Without.Passed).Select(p => p.Baseline.Name)
            .Concat(pairs.Where(p => p.Baseline.Passed && p.Without is null or { Error: not null }).Select(p => p.Baseline.Name))
            .ToArray();
        var errors = pairs.Where(p => p.Without is null or { Error: not null })
            .Select(p => $"{p.Baseline.Name}: {p.Without?.Error ?? "not run"}")
            .ToArray();
        return new AblationRow(removal.Layer, removal.AlsoRemoved, removal.Remaining.Select(s => s.Name).ToArray(),
            cells.Any(c => c.Changed) || invariants.Length > 0, cells, invariants, Cost(completed), failed, errors);
    }

    private static AblationCell Cell(string attack, IReadOnlyList<(ScenarioResult Baseline, ScenarioResult? Without)> pairs)
    {
        var runs = pairs.Select(p => (p.Baseline, p.Without, With: Counts(p.Baseline, attack)))
            .Where(p => p.With is not null)
            .Select(p => (p.Baseline.Name, With: p.With!, Without: p.Without is { Error: null } w ? Counts(w, attack) : null))
            .ToArray();
        var with = runs.Aggregate(VerdictCounts.None, (sum, r) => sum + r.With);
        if (runs.Any(r => r.Without is null))
        {
            return new AblationCell(attack, runs.Select(r => r.Name).ToArray(), with, null, false, []);
        }

        var without = runs.Aggregate(VerdictCounts.None, (sum, r) => sum + r.Without!);
        var perScenario = runs.Select(r => (r.Name, Changes: Changes(r.With, r.Without!))).Where(r => r.Changes.Count > 0).ToArray();
        var changes = Changes(with, without);
        if (perScenario.Length > 0 && changes.Count == 0) // changes that cancel out in the sum: name them per scenario
        {
            changes = perScenario.Select(r => $"{r.Name}: {string.Join(" · ", r.Changes)}").ToArray();
        }

        return new AblationCell(attack, runs.Select(r => r.Name).ToArray(), with, without, perScenario.Length > 0, changes);
    }

    // An attack row's counts in one run (its attacks of that row summed), or null when the run has none of that row.
    private static VerdictCounts? Counts(ScenarioResult run, string attack)
    {
        var mine = run.Attacks.Where(a => AttackMatrix.RowOf(a) == attack).Select(VerdictCounts.Of).ToArray();
        return mine.Length == 0 ? null : mine.Aggregate(VerdictCounts.None, (sum, c) => sum + c);
    }

    private static GoodputCost Cost(IReadOnlyList<(ScenarioResult Baseline, ScenarioResult Without, bool ClosedLoop)> completed)
    {
        static bool Quiet(ScenarioResult r) => r.Attacks.Count == 0 && r.Faults.Count == 0;
        var usable = completed.Where(p => p.Baseline.GoodputPerSec > 0 && p.Without.GoodputPerSec > 0).ToArray();
        var (basis, chosen) = usable.Where(p => p.ClosedLoop && Quiet(p.Baseline)).ToArray() is { Length: > 0 } quiet
            ? ("closed loop, no attacks or faults", quiet)
            : usable.Where(p => p.ClosedLoop).ToArray() is { Length: > 0 } closed
                ? ("closed loop, with attacks or faults", closed)
                : ("open loop only: goodput follows the arrival rate", usable);
        var list = chosen.Select(p => new GoodputPair(p.Baseline.Name, p.Baseline.GoodputPerSec, p.Without.GoodputPerSec,
            p.Baseline.GoodputPerSec / p.Without.GoodputPerSec)).ToArray();
        double? ratio = list.Length == 0 ? null : Math.Exp(list.Average(p => Math.Log(p.Ratio)));
        return new GoodputCost(ratio, list.Length == 0 ? "no completed pair" : basis, list);
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
