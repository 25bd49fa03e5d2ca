using Testbed.Checking;
using Testbed.Scenarios;

namespace Testbed.Hosting.Runs;

/// <summary>The names a scenario may use in this build: defenses, fault kinds, attack kinds and invariants.</summary>
public static class TestbedCatalog
{
    /// <summary>
    /// The catalog of this build. Only the <c>none</c> defense stack exists so far; no fault or attack kinds are built yet,
    /// so any entry in <c>faults:</c> or <c>attacks:</c> is rejected with a positioned error.
    /// </summary>
    public static ScenarioCatalog Default { get; } = new(
        defenses: ["none"],
        faultKinds: [],
        attackKinds: [],
        invariants: Invariants.All);
}
