using Testbed.Hosting.Runs;

namespace Testbed.Hosting.Cluster.Agents;

/// <summary>One silo of a fleet: its name, its address (its agent's key) and its ordinal in start order (seeds per silo).</summary>
public sealed record FleetSilo(string Name, string Address, int Ordinal);

/// <summary>
/// Silos that live outside this process — started by the runner (<see cref="Processes.ProcessCluster"/>) or by someone
/// else (<see cref="External.ExternalCluster"/>) — as a run drives them: through a client and each silo's agent.
/// </summary>
public interface ISiloFleet : IAsyncDisposable
{
    /// <summary>The client the workload and the checker use.</summary>
    IClusterClient Client { get; }

    /// <summary>The silos running now, by position (position 0 hosts the authority and the adversaries, and is never struck).</summary>
    IReadOnlyList<FleetSilo> Running { get; }

    /// <summary>Called when a silo joins during the run (a replacement), before it counts as running.</summary>
    Func<FleetSilo, Task>? SiloStarted { get; set; }

    /// <summary>What every silo recorded (struck ones as they were just before the strike).</summary>
    Task<IReadOnlyList<SiloReport>> ReportsAsync();

    /// <summary>The fleet as the result describes it (membership, TLS and links are added by the run).</summary>
    ClusterSummary Describe();
}
