using Testbed.Attacks.Api;
using Testbed.Checking;
using Testbed.Defenses;
using Testbed.Scenarios;

namespace Testbed.Hosting.Runs;

/// <summary>The names a scenario may use in this build: defenses, fault kinds, attack kinds and invariants.</summary>
public static class TestbedCatalog
{
    /// <summary>
    /// The catalog of this build: every defense layer and preset of <see cref="DefenseCatalog"/> (with their option and
    /// combination checks); no fault or attack kinds are built yet, so any entry in <c>faults:</c> or <c>attacks:</c> is
    /// rejected with a positioned error.
    /// </summary>
    public static ScenarioCatalog Default { get; } = new(
        defenses: DefenseCatalog.Names,
        faultKinds: [],
        attackKinds: AttackCatalog.Kinds,
        invariants: Invariants.All)
    {
        CheckDefense = DefenseCatalog.Check,
        CheckDefenseList = DefenseCatalog.CheckList,
        CheckAttack = a => AttackCatalog.Check(a.Kind, a.Options),
    };
}
