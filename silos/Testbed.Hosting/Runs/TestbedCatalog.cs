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
    /// combination checks), every fault of <see cref="Attacks.Faults.FaultCatalog"/> and attack of <see cref="AttackCatalog"/>
    /// (with their option checks, faults also against the scenario's cluster size).
    /// </summary>
    public static ScenarioCatalog Default { get; } = new(
        defenses: DefenseCatalog.Names,
        faultKinds: Attacks.Faults.FaultCatalog.Kinds,
        attackKinds: AttackCatalog.Kinds,
        invariants: Invariants.All)
    {
        CheckDefense = DefenseCatalog.Check,
        CheckDefenseList = DefenseCatalog.CheckList,
        CheckAttack = a => AttackCatalog.Check(a.Kind, a.Options),
        CheckFault = (f, silos) => Attacks.Faults.FaultCatalog.Check(f.Kind, f.Options, silos),
    };
}
