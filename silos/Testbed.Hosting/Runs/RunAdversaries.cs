using Microsoft.Extensions.DependencyInjection;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hosting;
using Testbed.Checking;
using Testbed.Defenses;
using Testbed.Hosting.Cluster;
using Testbed.Scenarios;

namespace Testbed.Hosting.Runs;

/// <summary>
/// A run's adversaries: one <see cref="IAdversaryGrain"/> per attack of the scenario (key: a fresh run id and the attack's
/// index), armed before the workload, opened when it starts, closed when it ends and concluded with the run's ground truth.
/// The runner holds only grain references: attacks, knowledge and attempts live in the grains' activations.
/// </summary>
internal sealed class RunAdversaries
{
    private readonly IAdversaryGrain[] _grains;

    private RunAdversaries(IAdversaryGrain[] grains) => _grains = grains;

    /// <summary>Arms one adversary grain per attack of <paramref name="scenario"/> (a bad option throws <see cref="ArgumentException"/>).</summary>
    public static async Task<RunAdversaries> ArmAsync(EmbeddedCluster cluster, Scenario scenario)
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        // Addressed through the first silo: adversary grains are placed where they are first called (PreferLocalPlacement),
        // and silo 0 is the one node faults never strike, so a crash never takes an adversary and its knowledge with it.
        var firstSilo = cluster.SiloServices(0).GetRequiredService<IGrainFactory>();
        var grains = scenario.Attacks.Select((_, i) => firstSilo.GetGrain<IAdversaryGrain>(AdversaryGrain.Key(run, i))).ToArray();
        for (var i = 0; i < grains.Length; i++)
        {
            var attack = scenario.Attacks[i];
            await grains[i].Arm(new AdversarySpec(attack.Kind, new Dictionary<string, string>(attack.Options, StringComparer.Ordinal),
                attack.Start, attack.Stop, unchecked((scenario.Seed * 31) + i + 1), attack.Script));
        }

        return new RunAdversaries(grains);
    }

    /// <summary>The workload starts now (<paramref name="workloadStartedAt"/>): every window is scheduled from it.</summary>
    public Task OpenAsync(DateTimeOffset workloadStartedAt) => Task.WhenAll(_grains.Select(g => g.Open(workloadStartedAt)));

    /// <summary>The workload ended: windows still open close, and the attacks are detached from the wire.</summary>
    public Task CloseAsync() => Task.WhenAll(_grains.Select(g => g.Close()));

    /// <summary>Each adversary's verdicts, in scenario order.</summary>
    public async Task<IReadOnlyList<AttackResult>> ConcludeAsync(EmbeddedCluster cluster, CheckReport report, IReadOnlyList<History.HistoryOp> ops,
        IReadOnlyList<AccountState> finalState, SecurityEventLog events, DateTimeOffset workloadStartedAt)
    {
        if (_grains.Length == 0)
        {
            return [];
        }

        var truth = new RunGroundTruth(report, ops, finalState, workloadStartedAt, events.Events.ToArray(), FirstBlockedAt(cluster));
        return await Task.WhenAll(_grains.Select(g => g.Conclude(truth)));
    }

    /// <summary>When each sender's first rate-limit block began, over every silo's limiter (time to containment).</summary>
    private static Dictionary<string, DateTimeOffset> FirstBlockedAt(EmbeddedCluster cluster) =>
        Enumerable.Range(0, cluster.SiloNames.Count)
            .SelectMany(i => cluster.SiloServices(i).GetRequiredService<DefensePipeline>().Layers.OfType<Defenses.RateLimit.RateLimitLayer>())
            .SelectMany(limiter => limiter.BlockHistory)
            .GroupBy(block => block.Sender, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Min(block => block.Since), StringComparer.Ordinal);
}
