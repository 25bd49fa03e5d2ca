using System.Text.Json.Serialization;

namespace Testbed.Hosting.Ablation;

/// <summary>
/// An attack's verdict counts (summed over the scenarios of a cell), whether the rate limiter contained it (the earliest
/// containment, ms after its first attempt) and how many distinct errors its code raised.
/// </summary>
public sealed record VerdictCounts(long Attempts, long Succeeded, long Detected, long Blocked, long Absorbed, double? ContainmentMs, long Errors)
{
    /// <summary>No attempts.</summary>
    public static VerdictCounts None { get; } = new(0, 0, 0, 0, 0, null, 0);

    /// <summary>The worst outcome present, as a letter: S succeeded, D detected, B blocked, A absorbed; <c>none</c> without attempts.</summary>
    public string Outcome =>
        Succeeded > 0 ? "S" : Detected > 0 ? "D" : Blocked > 0 ? "B" : Absorbed > 0 ? "A" : "none";

    /// <summary>Succeeded over attempts (0 without attempts).</summary>
    [JsonIgnore]
    public double SuccessShare => Attempts == 0 ? 0 : (double)Succeeded / Attempts;

    /// <summary>The counts of <paramref name="a"/> and <paramref name="b"/> together (containment: the earlier).</summary>
    public static VerdictCounts operator +(VerdictCounts a, VerdictCounts b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Attempts + b.Attempts, a.Succeeded + b.Succeeded, a.Detected + b.Detected, a.Blocked + b.Blocked, a.Absorbed + b.Absorbed,
            a.ContainmentMs is { } x ? b.ContainmentMs is { } y ? Math.Min(x, y) : x : b.ContainmentMs, a.Errors + b.Errors);
    }

    /// <summary>The counts of one attack's result.</summary>
    public static VerdictCounts Of(Testbed.Attacks.Api.AttackResult attack)
    {
        ArgumentNullException.ThrowIfNull(attack);
        return new(attack.Attempts, attack.Succeeded, attack.Detected, attack.Blocked, attack.Absorbed, attack.ContainmentMs, attack.Errors.Count);
    }

    /// <summary>The counts of this and <paramref name="other"/> together (as <c>+</c>).</summary>
    public VerdictCounts Add(VerdictCounts other) => this + other;
}

/// <summary>One cell of the matrix: an attack (its row in the attack matrix) with and without a layer.</summary>
/// <param name="Attack">The attack, as the attack × defense matrix names its row (<c>key-compromise (session)</c>).</param>
/// <param name="Scenarios">The scenarios that ran it.</param>
/// <param name="Baseline">Counts with every layer (summed over the scenarios).</param>
/// <param name="Without">Counts with the layer removed; null when no ablated run of it completed.</param>
/// <param name="Changed">True when the cell changed in at least one scenario (see <see cref="AblationComparison.Changes"/>).</param>
/// <param name="Changes">What changed, e.g. <c>D→S</c>, <c>S 0→12</c>, <c>D 10→0</c>, <c>contained 502ms→not</c>.</param>
public sealed record AblationCell(string Attack, IReadOnlyList<string> Scenarios, VerdictCounts Baseline, VerdictCounts? Without,
    bool Changed, IReadOnlyList<string> Changes)
{
    /// <summary>The cell in full: the changes joined, <c>—</c> when nothing changed, <c>error</c> when no run completed.</summary>
    public string Text => Without is null ? "error" : Changed ? string.Join(" · ", Changes) : "—";

    /// <summary>
    /// The cell as the console prints it: when the worst outcome changed, that and the succeeded counts (<c>D→S S 0→10</c>),
    /// else <see cref="Text"/>.
    /// </summary>
    [JsonIgnore]
    public string Short => Without is { } without && Changed && Changes.Count > 0 && Changes[0] == $"{Baseline.Outcome}→{without.Outcome}"
        ? Changes[0] + (Changes.FirstOrDefault(c => c.StartsWith("S ", StringComparison.Ordinal)) is { } s ? " " + s : "")
        : Text;
}

/// <summary>An invariant of one scenario whose verdict differs with and without the layer.</summary>
public sealed record InvariantChange(string Scenario, string Invariant, bool HeldWith, bool HeldWithout);

/// <summary>Goodput of one scenario with and without the layer, and their ratio (with ÷ without: 0.9 = the layer costs 10%).</summary>
public sealed record GoodputPair(string Scenario, double With, double Without, double Ratio);

/// <summary>
/// A layer's cost from the same invocation: the geometric mean of the with ÷ without goodput ratios of the scenarios in
/// <see cref="Basis"/> (closed-loop scenarios without attacks or faults when the group has any; else closed-loop ones;
/// else all — in the open loop goodput follows the arrival rate, so the ratio says little). Null without a usable pair.
/// </summary>
public sealed record GoodputCost(double? Ratio, string Basis, IReadOnlyList<GoodputPair> Scenarios);

/// <summary>One row of the matrix: a layer removed (with its dependants), and what that changed.</summary>
/// <param name="Layer">The layer removed.</param>
/// <param name="AlsoRemoved">Layers that could not stay without it (e.g. <c>encrypt</c> and <c>replay</c> without <c>session</c>).</param>
/// <param name="Remaining">The layers the ablated runs had.</param>
/// <param name="Exercised">True when an attack cell or an invariant changed; false: "not exercised by this suite".</param>
/// <param name="Cells">One per attack of the group, in the group's attack order.</param>
/// <param name="Invariants">Invariant verdicts that differ.</param>
/// <param name="Goodput">The layer's measured cost.</param>
/// <param name="FailedWithout">Scenarios that passed with every layer and fail their expectations without this one.</param>
/// <param name="Errors">Ablated runs that could not complete: <c>scenario: error</c>.</param>
public sealed record AblationRow(string Layer, IReadOnlyList<string> AlsoRemoved, IReadOnlyList<string> Remaining, bool Exercised,
    IReadOnlyList<AblationCell> Cells, IReadOnlyList<InvariantChange> Invariants, GoodputCost Goodput,
    IReadOnlyList<string> FailedWithout, IReadOnlyList<string> Errors)
{
    /// <summary>As people read it: <c>session (+ encrypt, replay)</c>.</summary>
    public string Describe() => AlsoRemoved.Count == 0 ? Layer : $"{Layer} (+ {string.Join(", ", AlsoRemoved)})";
}

/// <summary>A scenario of a group and its seed (every run of it, with or without a layer, uses this seed).</summary>
public sealed record AblationScenario(string Name, int Seed, bool PassedWithAllLayers, string? Error = null);

/// <summary>The matrix of one defense configuration: its layers removed one at a time × its attacks.</summary>
public sealed record AblationGroupResult(string Label, string? Preset, IReadOnlyList<string> Layers, IReadOnlyList<AblationScenario> Scenarios,
    IReadOnlyList<string> Attacks, IReadOnlyList<AblationRow> Rows);

/// <summary>Whether a layer (by name) was exercised in any configuration it was removed from.</summary>
public sealed record LayerSummary(string Layer, bool Exercised, IReadOnlyList<string> ExercisedIn, IReadOnlyList<string> NotExercisedIn);

/// <summary>What <c>ablation.json</c> holds (see README, "Ablation").</summary>
public sealed record AblationReport
{
    /// <summary>The suite folder.</summary>
    public required string Suite { get; init; }
    /// <summary><c>testbed ablate …</c> as typed, to reproduce.</summary>
    public required string Command { get; init; }
    /// <summary>UTC start.</summary>
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>Wall time of the whole ablation, ms.</summary>
    public required double DurationMs { get; init; }
    /// <summary>Scenario runs made (baseline plus ablated).</summary>
    public required int Runs { get; init; }
    /// <summary>True when every baseline run (every layer present) passed its expectations.</summary>
    public bool BaselinePassed => Groups.All(g => g.Scenarios.All(s => s.PassedWithAllLayers));
    /// <summary>True when every layer removed was exercised in at least one configuration.</summary>
    public bool AllExercised => Layers.All(l => l.Exercised);
    /// <summary>Scenarios of the suite with no layer to remove (e.g. <c>none</c>), left out.</summary>
    public required IReadOnlyList<string> Skipped { get; init; }
    /// <summary>One per defense configuration.</summary>
    public required IReadOnlyList<AblationGroupResult> Groups { get; init; }
    /// <summary>Per layer name, over every configuration.</summary>
    public required IReadOnlyList<LayerSummary> Layers { get; init; }
}
