using Testbed.Attacks.Api;
using Testbed.Attacks.Hosting;
using Testbed.Checking;
using Testbed.Defenses;
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

    private readonly IRunCluster _cluster;

    private RunAdversaries(IRunCluster cluster, IAdversaryGrain[] grains)
    {
        _cluster = cluster;
        _grains = grains;
    }

    /// <summary>Arms one adversary grain per attack of <paramref name="scenario"/> (a bad option throws <see cref="ArgumentException"/>).</summary>
    public static async Task<RunAdversaries> ArmAsync(IRunCluster cluster, Scenario scenario)
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        var keys = scenario.Attacks.Select((_, i) => AdversaryGrain.Key(run, i)).ToArray();
        for (var i = 0; i < keys.Length; i++)
        {
            var attack = scenario.Attacks[i];
            await cluster.ArmAdversaryAsync(keys[i], new AdversarySpec(attack.Kind, new Dictionary<string, string>(attack.Options, StringComparer.Ordinal),
                attack.Start, attack.Stop, unchecked((scenario.Seed * 31) + i + 1), attack.Script));
        }

        if (keys.Length > 0)
        {
            await cluster.RelayToAdversariesAsync();
        }

        // Armed on silo 0; reached from silo 0 itself when it runs in this process (the ground truth then crosses no transport).
        return new RunAdversaries(cluster, keys.Select(k => cluster.AdversaryCalls.GetGrain<IAdversaryGrain>(k)).ToArray());
    }

    /// <summary>The workload starts now (<paramref name="workloadStartedAt"/>): every window is scheduled from it.</summary>
    public Task OpenAsync(DateTimeOffset workloadStartedAt) => Task.WhenAll(_grains.Select(g => g.Open(workloadStartedAt)));

    /// <summary>The workload ended: windows still open close, and the attacks are detached from the wire.</summary>
    public async Task CloseAsync()
    {
        if (_grains.Length > 0)
        {
            await _cluster.StopRelayingAsync(); // first: the relays' last observations still reach attached taps
        }

        await Task.WhenAll(_grains.Select(g => g.Close()));
    }

    /// <summary>Each adversary's verdicts, in scenario order.</summary>
    public async Task<IReadOnlyList<AttackResult>> ConcludeAsync(RunRecords records, CheckReport report, IReadOnlyList<History.HistoryOp> ops,
        IReadOnlyList<AccountState> finalState, DateTimeOffset workloadStartedAt)
    {
        if (_grains.Length == 0)
        {
            return [];
        }

        var truth = new RunGroundTruth(report, ops, finalState, workloadStartedAt, records.Events.Events.ToArray(), records.FirstBlockedAt);
        return await Task.WhenAll(_grains.Select(g => g.Conclude(truth)));
    }
}
