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
    /// combination checks), every fault of <see cref="Attacks.Faults.FaultCatalog"/> (checked against the scenario's cluster
    /// size too) and the built-in attacks (with their option checks).
    /// </summary>
    public static ScenarioCatalog Default { get; } = With(AttackCatalog.Builtin);

    /// <summary>
    /// The catalog of this build with the attacks of <paramref name="attacks"/> (e.g. the built-in ones plus a researcher's):
    /// scenarios may name them, and their options are checked when the file loads. Run such scenarios with the same
    /// catalog (<see cref="RunOptions.Attacks"/>).
    /// </summary>
    public static ScenarioCatalog With(AttackCatalog attacks)
    {
        ArgumentNullException.ThrowIfNull(attacks);
        return new(defenses: DefenseCatalog.Names, faultKinds: Attacks.Faults.FaultCatalog.Kinds, attackKinds: attacks.Kinds, invariants: Invariants.All)
        {
            CheckDefense = DefenseCatalog.Check,
            CheckDefenseList = DefenseCatalog.CheckList,
            CheckAttack = a => attacks.Check(a.Kind, a.Options, a.Script),
            CheckFault = (f, silos) => Attacks.Faults.FaultCatalog.Check(f.Kind, f.Options, silos, f.Script),
            LoadScript = Attacks.Scripting.ScriptCompiler.Check,
        };
    }
}
