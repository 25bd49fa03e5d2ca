namespace Testbed.Scenarios;

/// <summary>
/// The names a scenario may use: defenses, fault kinds, attack kinds and invariants.
/// Each list keeps the order it was given in, without duplicates.
/// </summary>
public sealed class ScenarioCatalog
{
    private readonly HashSet<string> defenseSet;
    private readonly HashSet<string> faultSet;
    private readonly HashSet<string> attackSet;
    private readonly HashSet<string> invariantSet;

    /// <summary>Creates a catalog; names must be non-empty, repeats are dropped.</summary>
    public ScenarioCatalog(
        IEnumerable<string> defenses,
        IEnumerable<string> faultKinds,
        IEnumerable<string> attackKinds,
        IEnumerable<string> invariants)
    {
        Defenses = Distinct(defenses, nameof(defenses), out defenseSet);
        FaultKinds = Distinct(faultKinds, nameof(faultKinds), out faultSet);
        AttackKinds = Distinct(attackKinds, nameof(attackKinds), out attackSet);
        Invariants = Distinct(invariants, nameof(invariants), out invariantSet);
    }

    /// <summary>
    /// Optional check of one defense entry (name and raw options): returns an error message, or null when fine.
    /// Errors are reported at the entry.
    /// </summary>
    public Func<DefenseSpec, string?>? CheckDefense { get; init; }

    /// <summary>
    /// Optional check of the whole defense list (e.g. a layer that needs another): returns an error message, or null.
    /// Errors are reported at the <c>defenses</c> list.
    /// </summary>
    public Func<IReadOnlyList<DefenseSpec>, string?>? CheckDefenseList { get; init; }

    /// <summary>Optional check of one attack entry (kind and raw options): returns an error message, or null when fine.</summary>
    public Func<ActionSpec, string?>? CheckAttack { get; init; }

    /// <summary>
    /// Optional check of one fault entry (kind and raw options) against the scenario's number of silos: returns an error
    /// message, or null when fine.
    /// </summary>
    public Func<ActionSpec, int, string?>? CheckFault { get; init; }

    /// <summary>
    /// Optional loader of the C# file an entry names with <c>script:</c> (compiled before any cluster starts): the kind its
    /// class declares, or every problem, positioned in the script. Without it, a <c>script:</c> entry is an error.
    /// </summary>
    public Func<ScriptSource, ScriptRole, ScriptCheck>? LoadScript { get; init; }

    /// <summary>A catalog that knows no names at all.</summary>
    public static ScenarioCatalog Empty { get; } = new([], [], [], []);

    /// <summary>Defenses a scenario may switch on.</summary>
    public IReadOnlyList<string> Defenses { get; }

    /// <summary>Kinds a fault entry may name.</summary>
    public IReadOnlyList<string> FaultKinds { get; }

    /// <summary>Kinds an attack entry may name.</summary>
    public IReadOnlyList<string> AttackKinds { get; }

    /// <summary>All invariants; <c>invariants: all</c> expands to this list, in this order.</summary>
    public IReadOnlyList<string> Invariants { get; }

    /// <summary>True when <paramref name="name"/> is a known defense (ordinal comparison).</summary>
    public bool IsDefense(string name) => defenseSet.Contains(name);

    /// <summary>True when <paramref name="kind"/> is a known fault kind.</summary>
    public bool IsFaultKind(string kind) => ScriptsUnresolved || faultSet.Contains(kind);

    /// <summary>True when <paramref name="kind"/> is a known attack kind.</summary>
    public bool IsAttackKind(string kind) => ScriptsUnresolved || attackSet.Contains(kind);

    /// <summary>A scenario's catalog after one of its scripts failed to load: any kind passes (the script's errors are reported instead).</summary>
    internal bool ScriptsUnresolved { get; private init; }

    /// <summary>True when <paramref name="name"/> is a known invariant.</summary>
    public bool IsInvariant(string name) => invariantSet.Contains(name);

    /// <summary>This catalog plus kinds that one scenario's scripts declare (for its <c>expect:</c> section).</summary>
    internal ScenarioCatalog WithKinds(IReadOnlyCollection<string> attackKinds, IReadOnlyCollection<string> faultKinds, bool unresolved = false) =>
        attackKinds.Count == 0 && faultKinds.Count == 0 && !unresolved
            ? this
            : new ScenarioCatalog(Defenses, [.. FaultKinds, .. faultKinds], [.. AttackKinds, .. attackKinds], Invariants)
            {
                CheckDefense = CheckDefense, CheckDefenseList = CheckDefenseList, CheckAttack = CheckAttack, CheckFault = CheckFault, LoadScript = LoadScript,
                ScriptsUnresolved = unresolved,
            };

    private static IReadOnlyList<string> Distinct(IEnumerable<string> names, string parameter, out HashSet<string> set)
    {
        ArgumentNullException.ThrowIfNull(names, parameter);
        set = new HashSet<string>(StringComparer.Ordinal);
        var ordered = new List<string>();
        foreach (var name in names)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException("Catalog names must be non-empty.", parameter);
            }

            if (set.Add(name))
            {
                ordered.Add(name);
            }
        }

        return ordered.AsReadOnly();
    }
}
