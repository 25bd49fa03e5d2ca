using Testbed.Attacks.Faults;
using Testbed.Hosting.Cluster.Agents;
using Testbed.Scenarios;

namespace Testbed.Hosting.Runs;

/// <summary>
/// A run's faults. Node and clock faults (and every fault of an embedded cluster, whose silos share one wire) run here,
/// in the runner. Where silos are processes each has its own wire, and the wire acts on the sender's side: every wire
/// fault then runs once in every silo (replacements included), with a seed per silo, and its result is the sum of theirs.
/// </summary>
internal sealed class RunFaults
{
    private readonly Scenario _scenario;
    private readonly IRunCluster _cluster;
    private readonly FaultRuntime?[] _local;
    private readonly Fault?[] _inSilos;
    private Task[] _running = [];

    private RunFaults(Scenario scenario, IRunCluster cluster, FaultRuntime?[] local, Fault?[] inSilos)
    {
        _scenario = scenario;
        _cluster = cluster;
        _local = local;
        _inSilos = inSilos;
    }

    /// <summary>The scenario's faults, each with a random source seeded from the scenario's seed and its position.</summary>
    public static RunFaults Create(Scenario scenario, IRunCluster cluster)
    {
        var count = scenario.Faults.Count;
        var local = new FaultRuntime?[count];
        var inSilos = new Fault?[count];
        for (var i = 0; i < count; i++)
        {
            var spec = scenario.Faults[i];
            var fault = FaultCatalog.Create(spec.Kind, spec.Options, spec.Script);
            if (cluster.Hooks is null && fault is Attacks.Faults.Wire.WireFault)
            {
                inSilos[i] = fault; // configured here only to describe its targets
            }
            else
            {
                local[i] = new FaultRuntime(fault, spec.Start, spec.Stop,
                    new FaultContext(new Random(Seed(scenario, i)), TimeProvider.System, cluster.Hooks, cluster.Nodes));
            }
        }

        return new RunFaults(scenario, cluster, local, inSilos);
    }

    /// <summary>Starts every fault's schedule (windows count from now, the start of the workload).</summary>
    public async Task StartAsync(CancellationToken runEnded)
    {
        var now = DateTimeOffset.UtcNow;
        _running = _local.OfType<FaultRuntime>().Select(f => f.RunAsync(runEnded)).ToArray();
        var launches = _inSilos.Select((f, i) => (f, i)).Where(x => x.f is not null).Select(x =>
        {
            var spec = _scenario.Faults[x.i];
            return new WireFaultLaunch(x.i, spec.Kind, new Dictionary<string, string>(spec.Options, StringComparer.Ordinal), spec.Script, spec.Start,
                spec.Stop, Seed(_scenario, x.i), now, []);
        }).ToArray();
        if (launches.Length > 0)
        {
            await _cluster.StartWireFaultsAsync(launches);
        }
    }

    /// <summary>Waits for every fault to revert (the run's end has been signalled).</summary>
    public async Task StopAsync()
    {
        await Task.WhenAll(_running); // partitions heal, paused silos resume, killed silos are replaced
        if (_inSilos.Any(f => f is not null))
        {
            await _cluster.StopWireFaultsAsync();
        }
    }

    /// <summary>What each fault did, in scenario order.</summary>
    public async Task<IReadOnlyList<FaultResult>> ConcludeAsync()
    {
        var reports = _inSilos.Any(f => f is not null) ? await _cluster.ConcludeWireFaultsAsync() : [];
        return _local.Select((local, i) => local?.Conclude() ?? Merge(i, reports.Where(r => r.Index == i).ToArray())).ToArray();
    }

    /// <summary>One fault's result from its runs in every silo: counts summed, actions tagged with their silo.</summary>
    private FaultResult Merge(int index, WireFaultReport[] reports)
    {
        var spec = _scenario.Faults[index];
        var actions = reports.SelectMany(r => r.Actions.Select(a => new FaultAction(a.AtMs, $"{r.Silo}: {a.What}"))).OrderBy(a => a.AtMs).ToList();
        actions.AddRange(reports.Select(r => new FaultAction(spec.Stop.TotalMilliseconds, $"{r.Silo}: injected {r.Injected}")));
        var silent = _cluster.Summary.Processes?.Where(p => p.ExitCode is not null).Select(p => p.Name).Except(reports.Select(r => r.Silo)).ToArray() ?? [];
        if (silent.Length > 0)
        {
            actions.Add(new FaultAction(spec.Stop.TotalMilliseconds, $"counts of {string.Join(", ", silent)} ended with the process"));
        }

        return new FaultResult(spec.Kind, spec.Start.TotalMilliseconds, spec.Stop.TotalMilliseconds, _inSilos[index]!.Targets,
            reports.Sum(r => r.Injected), reports.Any(r => r.Opened), actions, reports.SelectMany(r => r.Errors).Distinct(StringComparer.Ordinal).Take(20).ToArray())
        {
            SlowHooks = reports.SelectMany(r => r.SlowHooks).GroupBy(h => h.Hook, StringComparer.Ordinal)
                .Select(g => new Attacks.Api.SlowHook(g.Key, g.Sum(h => h.Count), g.Max(h => h.WorstMs))).ToArray(),
        };
    }

    private static int Seed(Scenario scenario, int index) => unchecked((scenario.Seed * 37) + index + 1);
}
